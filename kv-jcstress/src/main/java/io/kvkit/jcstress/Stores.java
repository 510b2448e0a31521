package io.kvkit.jcstress;

import java.util.Map;

/**
 * The engines the jcstress tests of a JVM share, each configured so that its background work
 * (memtable switches and flushes, compaction, index rebuilds, segment rolls, checkpoints of the
 * tree) runs every few hundred writes, in the middle of the races the tests set up.
 */
public final class Stores {
    /** States one engine serves before a fresh one replaces it. */
    private static final long STATES_PER_ENGINE = 50_000;

    /**
     * LSM: a 64 KiB memtable (the smallest allowed) switches every few hundred writes; small files
     * and a low level-0 trigger keep flushes and compactions running.
     */
    public static final SharedEngine LSM = new SharedEngine("lsm", Map.of(
            "writeBufferSizeBytes", "64KiB",
            "maxGroupCommitBytes", "16KiB",
            "blockSizeBytes", "1KiB",
            "targetFileSizeBytes", "256KiB",
            "maxBytesForLevelBaseBytes", "1MiB",
            "level0CompactionTriggerFiles", "2",
            "blockCacheSizeBytes", "1MiB"), STATES_PER_ENGINE);

    /**
     * Hash: an index sized for one key (16 slots) grows and is rebuilt as keys arrive; the tests
     * delete their keys in their arbiters, so deleted marks fill the table and force more rebuilds.
     * 1 MiB segments roll often and the maintenance thread compacts every 20 ms.
     */
    public static final SharedEngine HASH = new SharedEngine("hash", Map.of(
            "expectedKeys", "1",
            "segmentSizeBytes", "1MiB",
            "maintenanceIntervalMillis", "20",
            "indexCheckpointIntervalBytes", "4MiB"), STATES_PER_ENGINE);

    /**
     * Hash, for the resize test: the same small index, but a fresh engine every 1,024 states, so
     * that the table keeps growing from 16 slots (a long-lived engine settles at a size that holds
     * the live keys and stops doubling). The states' constructors bring 4,096 keys and their
     * writers 8,192 more, so the last doublings, which re-read thousands of keys from the log,
     * happen while the actors run. (A fresh engine every 64 states made epochs so slow, 7 ms per
     * open, that jcstress gave up on the fork under load.)
     */
    public static final SharedEngine HASH_RESIZING = new SharedEngine("hash", Map.of(
            "expectedKeys", "1",
            "segmentSizeBytes", "64KiB",
            "maintenanceIntervalMillis", "1000"), 1024);

    /**
     * B+tree: 1 KiB pages, a checkpoint every 256 writes folded 32 keys per copy-on-write
     * transaction, so readers race many tree switches (each publishes a new root) and page reuse.
     */
    public static final SharedEngine BPLUSTREE = new SharedEngine("bplustree", Map.of(
            "pageSizeBytes", "1024",
            "mapChunkBytes", "1MiB",
            "checkpointEveryOps", "256",
            "checkpointChunkOps", "32",
            "idleCheckpointMillis", "5"), STATES_PER_ENGINE);

    private Stores() {
    }
}
