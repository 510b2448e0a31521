package io.kvkit.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process used so far: utime + stime from /proc/&lt;pid&gt;/stat (fields 14 and 15,
 * in USER_HZ ticks of 10 ms), so the cost of the servers is measured from outside them.
 */
public final class ProcessCpu {
    /** Nanoseconds per USER_HZ tick (USER_HZ is 100 on Linux). */
    static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessCpu() {
    }

    /** utime + stime of {@code pid} in nanoseconds, or -1 when the process is gone or /proc is unreadable. */
    public static long cpuNanos(long pid) {
        try {
            return parseCpuNanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * utime + stime in nanoseconds from the text of a /proc/&lt;pid&gt;/stat file. The command
     * name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
     */
    static long parseCpuNanos(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + stat);
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+"); // f[0] is field 3 (state)
        if (f.length < 13) {
            throw new IllegalArgumentException("/proc/<pid>/stat line too short: " + stat);
        }
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    }
}
