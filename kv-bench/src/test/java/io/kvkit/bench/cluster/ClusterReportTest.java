package io.kvkit.bench.cluster;

import io.kvkit.bench.report.LatencySummary;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ClusterReportTest {

    private static PointResult point(String target, String op, int groups, int c, double opsPerSecond, double p99Micros) {
        return new PointResult(target, op, groups, c, PointResult.OK, null, 100, 0, 1, opsPerSecond,
                new LatencySummary(100, 10, 5, p99Micros, p99Micros, p99Micros), 1000, List.of(600.0, 200.0, 200.0), 500, 0, 0, 0, "0.1 0.1 0.1", 0, "h");
    }

    private static TargetResult target(String name, List<PointResult> points, List<FailoverResult> failover) {
        return new TargetResult(name, name, Map.of(), name.equals("etcd") ? 1 : 64, TargetResult.OK, null, points, List.of(), List.of(), failover);
    }

    @Test
    void kvkitAtEveryGroupCountIsComparedWithEtcdsOneGroup() {
        TargetResult etcd = target("etcd", List.of(point("etcd", "put", 1, 16, 1000, 20_000),
                PointResult.notRun("etcd", "put", 64, 16, "one group")), List.of());
        TargetResult kvkit = target("kvkit", List.of(point("kvkit", "put", 1, 16, 1500, 10_000), point("kvkit", "put", 64, 16, 4000, 5_000),
                point("kvkit", "get", 64, 16, 4000, 5_000)), List.of());
        List<Ratio> ratios = ClusterReport.ratios(List.of(etcd, kvkit));
        Ratio tput64 = ratios.stream().filter(r -> r.metric().equals("opsPerSecond") && r.kvkitGroups() == 64).findFirst().orElseThrow();
        assertThat(tput64.etcdGroups()).isEqualTo(1);
        assertThat(tput64.ratio()).isCloseTo(4.0, within(1e-9));
        Ratio p99g1 = ratios.stream().filter(r -> r.metric().equals("p99Micros") && r.kvkitGroups() == 1).findFirst().orElseThrow();
        assertThat(p99g1.ratio()).isCloseTo(0.5, within(1e-9));
        assertThat(ratios).noneMatch(r -> r.operation().equals("get")); // etcd has no get point to compare with
    }

    @Test
    void noRatiosWithoutBothTargets() {
        TargetResult etcd = target("etcd", List.of(point("etcd", "put", 1, 1, 300, 9_000)), List.of());
        assertThat(ClusterReport.ratios(List.of(etcd))).isEmpty();
    }

    @Test
    void failoverMedianAndMaxIgnoreTrialsThatNeverCommitted() {
        FailoverResult f = FailoverResult.of(1, List.of(new FailoverMeasurement.Trial(1, 0, 1200, 100, 50),
                new FailoverMeasurement.Trial(2, 1, -1, 6000, 50), new FailoverMeasurement.Trial(3, 2, 1800, 150, 50),
                new FailoverMeasurement.Trial(4, 0, 1500, 120, 50), new FailoverMeasurement.Trial(5, 1, 2500, 200, 50)));
        assertThat(f.failedTrials()).isEqualTo(1);
        assertThat(f.medianMillis()).isEqualTo(1650);
        assertThat(f.maxMillis()).isEqualTo(2500);
        assertThat(FailoverResult.median(new double[]{3, 1, 2})).isEqualTo(2);
        assertThat(FailoverResult.median(new double[0])).isEqualTo(-1);
    }
}
