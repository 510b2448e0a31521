package io.kvkit.bench.workload;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The db_bench workloads every store runs, in their default order. {@code n} is the run's key
 * count; each workload's operation count is derived from it as stated.
 */
public enum Workload {
    FILLSEQ("fillseq", "N puts in ascending key order into a fresh store", true, false),
    FILLRANDOM("fillrandom", "N puts in a seeded random permutation of the keys into a fresh store", true, false),
    OVERWRITE("overwrite", "N puts over existing keys, in another seeded permutation", false, true),
    READRANDOM("readrandom", "N gets of uniformly random existing keys, 1 thread", false, true),
    READRANDOM2("readrandom2", "N gets of uniformly random existing keys, split over 2 threads", false, true),
    READMISSING("readmissing", "N gets of random keys that sort between existing keys and are absent", false, true),
    SEEKRANDOM("seekrandom", "N/10 seeks to random existing keys, each followed by reading 100 more entries (101 per op)", false, true),
    READWHILEWRITING("readwhilewriting", "N random gets by 1 reader while 1 writer overwrites random keys; reader throughput reported", false, true),
    DELETERANDOM("deleterandom", "N deletes of every key, in a seeded permutation", false, true),
    FILLSYNC("fillsync", "max(N/1000, min(N,1000)) puts in random order into a fresh store, each synced to stable storage", true, false);

    /** Entries read after each seek in seekrandom (db_bench --seek_nexts). */
    public static final int SEEK_NEXTS = 100;
    /** Reader threads in readrandom2. */
    public static final int READRANDOM2_THREADS = 2;

    private final String id;
    private final String description;
    private final boolean freshStore;
    private final boolean needsAllKeys;

    Workload(String id, String description, boolean freshStore, boolean needsAllKeys) {
        this.id = id;
        this.description = description;
        this.freshStore = freshStore;
        this.needsAllKeys = needsAllKeys;
    }

    /** The name used on the command line and in results. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** Whether the workload starts from an empty store. */
    public boolean freshStore() {
        return freshStore;
    }

    /** Whether the workload reads or rewrites existing keys (the runner loads keys 0..N-1 untimed first if the store holds none). */
    public boolean needsAllKeys() {
        return needsAllKeys;
    }

    /** The operations the workload issues for a run of {@code n} keys (reader operations for readwhilewriting). */
    public long operations(long n) {
        return switch (this) {
            case SEEKRANDOM -> Math.max(1, n / 10);
            case FILLSYNC -> Math.max(n / 1000, Math.min(n, 1000));
            default -> n;
        };
    }

    /** The workload called {@code id}, or an error listing the names allowed. */
    public static Workload byId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (Workload w : values()) {
            if (w.id.equals(wanted)) {
                return w;
            }
        }
        throw new IllegalArgumentException("no workload named '" + id + "'; available: " + String.join(", ", ids()));
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Workload::id).toList();
    }
}
