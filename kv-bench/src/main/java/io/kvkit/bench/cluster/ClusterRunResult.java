package io.kvkit.bench.cluster;

import io.kvkit.bench.report.Machine;

import java.util.List;

/** The whole results.json of a cluster benchmark run (schema {@value #SCHEMA}). */
public record ClusterRunResult(String schema, String startedAt, String finishedAt, Machine machine, ClusterParameters parameters,
                               List<String> notes, List<TargetResult> targets, List<Ratio> ratios) {
    public static final String SCHEMA = "kvkit-bench-cluster/2";
}
