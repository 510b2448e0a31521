package io.kvkit.bench.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownReportTest {

    private static WorkloadResult ok(String workload, double opsPerSecond) {
        return new WorkloadResult(workload, WorkloadResult.OK, null, 1000, 1, 1000 / opsPerSecond, opsPerSecond, 1.0, 116_000,
                new LatencySummary(1000, 1, 1, 2, 3, 4), null, 1 << 20, 1 << 20, 100 << 20, 0.25, false, false, Map.of(), null);
    }

    private static StoreResult store(String name, boolean durable, WorkloadResult... workloads) {
        return new StoreResult(name, "peer", name + " 1.0", durable, "d", new LinkedHashMap<>(Map.of("k", "v")), List.of(), StoreResult.OK,
                null, 1, 100 << 20, 0L, List.of(workloads));
    }

    private static RunResult run(StoreResult... stores) {
        Machine m = new Machine("cpu", 2, 24L << 30, "disk", "jdk", "os", "2026-11-25T00:00:00Z", "0.1 0.1 0.1", "0.2 0.2 0.2");
        Parameters p = new Parameters(1000, 16, 100, 1, false, List.of("fillrandom", "readrandom"),
                Map.of("fillrandom", 1000L, "readrandom", 1000L), "kf", "vf", "every op", "2g", 0);
        return new RunResult(RunResult.SCHEMA, "start", "end", m, p, List.of("note one"), List.of(stores));
    }

    @Test
    void ratioIsThisRowsThroughputOverThePeersOnTheSameWorkload() {
        StoreResult rocks = store("rocksdb", true, ok("fillrandom", 100), ok("readrandom", 400));
        WorkloadResult mine = ok("fillrandom", 250);
        assertThat(MarkdownReport.ratio(mine, rocks)).isEqualTo(2.5);
        assertThat(MarkdownReport.ratio(ok("readrandom", 100), rocks)).isEqualTo(0.25);
        assertThat(MarkdownReport.ratio(ok("seekrandom", 100), rocks)).as("peer did not run it").isNull();
        StoreResult unsupported = store("chronicle", true, WorkloadResult.notRun("fillrandom", WorkloadResult.UNSUPPORTED, "no"));
        assertThat(MarkdownReport.ratio(mine, unsupported)).isNull();
        assertThat(MarkdownReport.ratio(WorkloadResult.notRun("fillrandom", WorkloadResult.ERROR, "boom"), rocks)).isNull();
        assertThat(MarkdownReport.ratio(mine, null)).isNull();
    }

    @Test
    void tableHasRatioColumnsForThePeersPresentAndMarksGaps() {
        RunResult r = run(
                store("lsm", true, ok("fillrandom", 300), ok("readrandom", 50)),
                store("rocksdb", true, ok("fillrandom", 100), ok("readrandom", 200)),
                store("lmdb", true, ok("fillrandom", 150), ok("readrandom", 100)),
                store("chm", false, ok("fillrandom", 1000), WorkloadResult.notRun("readrandom", WorkloadResult.ERROR, "boom")));
        String md = MarkdownReport.render(r);
        assertThat(md).contains("| vs rocksdb | vs lmdb |").doesNotContain("vs chronicle");
        assertThat(md).contains("| fillrandom | lsm | 300 |").contains("| 3.00× | 2.00× |");
        assertThat(md).contains("| readrandom | lsm | 50 |").contains("| 0.25× | 0.50× |");
        assertThat(md).contains("| fillrandom | rocksdb | 100 |").contains("| 1.00× | 0.67× |");
        // not durable: marked, and no disk figure
        assertThat(md).contains("| fillrandom | chm (not durable) | 1,000 | 1.0 | 1.00 | 2.00 | 3.00 | — | 100 | 25 | 10.00× | 6.67× |");
        assertThat(md).contains("| readrandom | chm (not durable) | error [1] |").contains("[1] chm / readrandom: error: boom");
        assertThat(md).contains("> note one").contains("**Machine:** cpu, 2 cores, 24 GiB memory");
        // rows are grouped by workload, in the parameters' order
        assertThat(md.indexOf("| fillrandom | chm")).isLessThan(md.indexOf("| readrandom | lsm"));
    }
}
