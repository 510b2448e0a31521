package io.kvkit.bench.cluster;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessCpuTest {

    @Test
    void utimePlusStimeAreCountedAfterACommandNameWithSpacesAndParentheses() {
        // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
        String stat = "4242 (etcd (m 0)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 70 0 0 20 0 12 0 1000 1000000 500";
        assertThat(ProcessCpu.parseCpuNanos(stat)).isEqualTo((250 + 70) * 10_000_000L);
    }

    @Test
    void aMalformedLineIsAClearError() {
        assertThatThrownBy(() -> ProcessCpu.parseCpuNanos("garbage")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/proc/<pid>/stat");
        assertThatThrownBy(() -> ProcessCpu.parseCpuNanos("1 (x) S 1 2")).hasMessageContaining("too short");
    }

    @Test
    void thisProcessHasUsedSomeCpuAndAGoneProcessReportsMinusOne() {
        assertThat(ProcessCpu.cpuNanos(ProcessHandle.current().pid())).isPositive();
        assertThat(ProcessCpu.cpuNanos(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
