package io.kvkit.bench.report;

import java.util.List;

/** A whole run: what was asked, where it ran, and every store's result (the results.json document). */
public record RunResult(String schema, String startedAt, String finishedAt, Machine machine, Parameters parameters, List<String> notes,
                        List<StoreResult> stores) {
    public static final String SCHEMA = "kvkit-bench-engines/1";

    /** The store called {@code name}, or null. */
    public StoreResult store(String name) {
        for (StoreResult s : stores) {
            if (s.store().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
