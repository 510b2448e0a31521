package io.kvkit.server.partition;

import io.kvkit.client.SessionTable;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a partition replica needs to open. Every field that changes a reply (limits, the
 * session bounds, the default table) must be identical on every replica of a partition.
 *
 * @param directory            the replica's own directory (created if missing)
 * @param defaultTableEngine   engine of the {@code default} table of a new replica ("lsm", "hash", "bplustree")
 * @param defaultTableOptions  engine options of the {@code default} table
 * @param systemEngine         engine of the replica's system store (applied index, catalog, sessions)
 * @param systemEngineOptions  engine options of the system store
 * @param maxKeyBytes          largest user key accepted (the client protocol's limit)
 * @param maxValueBytes        largest user value accepted
 * @param maxBatchOperations   operations per batch
 * @param maxScanLimit         entries per scan call
 * @param sessions             exactly-once table bounds
 */
public record PartitionOptions(Path directory, String defaultTableEngine, Map<String, String> defaultTableOptions,
                               String systemEngine, Map<String, String> systemEngineOptions, int maxKeyBytes, int maxValueBytes, int maxBatchOperations,
                               int maxScanLimit, SessionTable.Options sessions) {

    public static final int DEFAULT_MAX_KEY_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_BATCH_OPERATIONS = 10_000;
    public static final int DEFAULT_MAX_SCAN_LIMIT = 10_000;

    public PartitionOptions {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(defaultTableEngine, "defaultTableEngine");
        defaultTableOptions = Map.copyOf(defaultTableOptions);
        Objects.requireNonNull(systemEngine, "systemEngine");
        systemEngineOptions = Map.copyOf(systemEngineOptions);
        Objects.requireNonNull(sessions, "sessions");
        if (maxKeyBytes < 1 || maxValueBytes < 0 || maxBatchOperations < 1 || maxScanLimit < 1) {
            throw new IllegalArgumentException("partition limits must be positive, got maxKeyBytes=" + maxKeyBytes
                    + " maxValueBytes=" + maxValueBytes + " maxBatchOperations=" + maxBatchOperations
                    + " maxScanLimit=" + maxScanLimit);
        }
    }

    /** A replica in {@code directory} whose default table and system store use {@code engine} with {@code engineOptions}, with default limits. */
    public static PartitionOptions of(Path directory, String engine, Map<String, String> engineOptions) {
        return new PartitionOptions(directory, engine, engineOptions, engine, engineOptions, DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_MAX_BATCH_OPERATIONS, DEFAULT_MAX_SCAN_LIMIT, SessionTable.Options.defaults());
    }

    public PartitionOptions withDirectory(Path other) {
        return new PartitionOptions(other, defaultTableEngine, defaultTableOptions, systemEngine, systemEngineOptions, maxKeyBytes,
                maxValueBytes, maxBatchOperations, maxScanLimit, sessions);
    }
}
