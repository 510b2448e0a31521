package io.kvkit.bench.cluster;

/**
 * kvkit against etcd for one figure of the same run. etcd runs one group, so kvkit at G groups
 * is compared with etcd at 1 group ({@code etcdGroups}).
 *
 * @param metric  "opsPerSecond" (higher is better), "p99Micros", "serverCpuNanosPerOp", "failoverMedianMillis",
 *                "diskBytesPerEntry" (lower is better)
 * @param ratio   kvkit / etcd
 */
public record Ratio(String metric, String operation, int concurrency, int kvkitGroups, int etcdGroups, double kvkit, double etcd,
                    double ratio) {
}
