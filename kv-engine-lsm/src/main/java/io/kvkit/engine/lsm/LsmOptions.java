package io.kvkit.engine.lsm;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.OptionValues;

import java.util.List;

/**
 * Every tunable of the LSM engine, with its default and unit in its name. Set them by key through
 * {@link EngineConfig.Builder#option(String, String)}; sizes accept KiB/MiB/GiB suffixes.
 *
 * @param writeBufferSizeBytes          memtable size at which it becomes immutable and is flushed
 * @param maxImmutableMemTables         immutable memtables waiting for flush before writes stall
 * @param blockSizeBytes                target uncompressed size of an SSTable data block
 * @param blockRestartInterval          keys between restart points (full keys) in a data block
 * @param compression                   data block compression
 * @param bloomBitsPerKey               bloom filter bits per key; 0 writes no filter
 * @param targetFileSizeBytes           compaction output files are cut at about this size
 * @param maxBytesForLevelBaseBytes     target size of level 1; level n+1 is levelSizeMultiplier times level n
 * @param levelSizeMultiplier           size ratio between adjacent levels
 * @param numLevels                     number of levels, level 0 included
 * @param level0CompactionTriggerFiles  level-0 files that start a level-0 compaction
 * @param level0SlowdownTriggerFiles    level-0 files from which every write group is delayed by 1 ms
 * @param level0StopTriggerFiles        level-0 files at which writes stall until compaction catches up
 * @param maxGroupCommitBytes           payload bytes one group commit gathers from waiting writers
 * @param verifyChecksums               check each block's CRC32C whenever it is read from the file
 * @param blockCacheSizeBytes           cache of checked, decompressed data blocks; 0 disables it
 */
public record LsmOptions(
        long writeBufferSizeBytes,
        int maxImmutableMemTables,
        int blockSizeBytes,
        int blockRestartInterval,
        Compression compression,
        int bloomBitsPerKey,
        long targetFileSizeBytes,
        long maxBytesForLevelBaseBytes,
        int levelSizeMultiplier,
        int numLevels,
        int level0CompactionTriggerFiles,
        int level0SlowdownTriggerFiles,
        int level0StopTriggerFiles,
        int maxGroupCommitBytes,
        boolean verifyChecksums,
        long blockCacheSizeBytes) {

    /** Data block compression. */
    public enum Compression { NONE, LZ4 }

    public static final OptionSpec<Long> WRITE_BUFFER_SIZE_BYTES = OptionSpec.ofLong("writeBufferSizeBytes", 64L << 20,
            64 << 10, 1L << 30, "memtable size at which it is frozen and flushed to a level-0 SSTable");
    public static final OptionSpec<Integer> MAX_IMMUTABLE_MEMTABLES = OptionSpec.ofInt("maxImmutableMemTables", 2, 1, 16,
            "frozen memtables that may wait for flush before writes stall");
    public static final OptionSpec<Integer> BLOCK_SIZE_BYTES = OptionSpec.ofInt("blockSizeBytes", 4 << 10, 256, 1 << 20,
            "target uncompressed size of an SSTable data block");
    public static final OptionSpec<Integer> BLOCK_RESTART_INTERVAL = OptionSpec.ofInt("blockRestartInterval", 16, 1, 1024,
            "keys between restart points (keys stored whole) in a data block");
    public static final OptionSpec<Compression> COMPRESSION = OptionSpec.ofEnum("compression", Compression.class, Compression.LZ4,
            "data block compression");
    public static final OptionSpec<Integer> BLOOM_BITS_PER_KEY = OptionSpec.ofInt("bloomBitsPerKey", 10, 0, 64,
            "bloom filter bits per key in each SSTable; 0 disables the filter");
    public static final OptionSpec<Long> TARGET_FILE_SIZE_BYTES = OptionSpec.ofLong("targetFileSizeBytes", 64L << 20,
            16 << 10, 4L << 30, "size at which compaction cuts its output files");
    public static final OptionSpec<Long> MAX_BYTES_FOR_LEVEL_BASE_BYTES = OptionSpec.ofLong("maxBytesForLevelBaseBytes",
            256L << 20, 64 << 10, 1L << 40, "target size of level 1");
    public static final OptionSpec<Integer> LEVEL_SIZE_MULTIPLIER = OptionSpec.ofInt("levelSizeMultiplier", 10, 2, 100,
            "target size ratio between adjacent levels");
    public static final OptionSpec<Integer> NUM_LEVELS = OptionSpec.ofInt("numLevels", 7, 2, 12, "number of levels, level 0 included");
    public static final OptionSpec<Integer> LEVEL0_COMPACTION_TRIGGER_FILES = OptionSpec.ofInt("level0CompactionTriggerFiles", 4,
            1, 1000, "level-0 files that start a compaction into level 1");
    public static final OptionSpec<Integer> LEVEL0_SLOWDOWN_TRIGGER_FILES = OptionSpec.ofInt("level0SlowdownTriggerFiles", 20,
            1, 1000, "level-0 files from which each write group is delayed by 1 ms");
    public static final OptionSpec<Integer> LEVEL0_STOP_TRIGGER_FILES = OptionSpec.ofInt("level0StopTriggerFiles", 36,
            1, 1000, "level-0 files at which writes stall until compaction catches up");
    public static final OptionSpec<Integer> MAX_GROUP_COMMIT_BYTES = OptionSpec.ofInt("maxGroupCommitBytes", 1 << 20,
            4 << 10, 64 << 20, "payload bytes a group commit gathers from waiting writers into one log write");
    public static final OptionSpec<Boolean> VERIFY_CHECKSUMS = OptionSpec.ofBoolean("verifyChecksums", true,
            "verify each SSTable block's CRC32C whenever it is read (always on in compaction and recovery)");

    public static final OptionSpec<Long> BLOCK_CACHE_SIZE_BYTES = OptionSpec.ofLong("blockCacheSizeBytes", 256L << 20, 0,
            1L << 40, "LRU cache of checked, decompressed data blocks (heap); 0 disables it");

    public static final List<OptionSpec<?>> SPECS = List.of(WRITE_BUFFER_SIZE_BYTES, MAX_IMMUTABLE_MEMTABLES, BLOCK_SIZE_BYTES,
            BLOCK_RESTART_INTERVAL, COMPRESSION, BLOOM_BITS_PER_KEY, TARGET_FILE_SIZE_BYTES, MAX_BYTES_FOR_LEVEL_BASE_BYTES,
            LEVEL_SIZE_MULTIPLIER, NUM_LEVELS, LEVEL0_COMPACTION_TRIGGER_FILES, LEVEL0_SLOWDOWN_TRIGGER_FILES,
            LEVEL0_STOP_TRIGGER_FILES, MAX_GROUP_COMMIT_BYTES, VERIFY_CHECKSUMS, BLOCK_CACHE_SIZE_BYTES);

    public LsmOptions {
        if (!(level0CompactionTriggerFiles <= level0SlowdownTriggerFiles && level0SlowdownTriggerFiles <= level0StopTriggerFiles)) {
            throw new InvalidArgumentException("level-0 triggers must satisfy level0CompactionTriggerFiles ("
                    + level0CompactionTriggerFiles + ") <= level0SlowdownTriggerFiles (" + level0SlowdownTriggerFiles
                    + ") <= level0StopTriggerFiles (" + level0StopTriggerFiles + ")");
        }
    }

    /** The defaults. */
    public static LsmOptions defaults() {
        return parse(EngineConfig.of(java.nio.file.Path.of(".")));
    }

    /** Parses the engine options of {@code config}; unknown keys and bad values are rejected. */
    public static LsmOptions parse(EngineConfig config) {
        OptionValues v = OptionValues.parse(LsmEngineProvider.NAME, SPECS, config.engineOptions());
        return new LsmOptions(v.get(WRITE_BUFFER_SIZE_BYTES), v.get(MAX_IMMUTABLE_MEMTABLES), v.get(BLOCK_SIZE_BYTES),
                v.get(BLOCK_RESTART_INTERVAL), v.get(COMPRESSION), v.get(BLOOM_BITS_PER_KEY), v.get(TARGET_FILE_SIZE_BYTES),
                v.get(MAX_BYTES_FOR_LEVEL_BASE_BYTES), v.get(LEVEL_SIZE_MULTIPLIER), v.get(NUM_LEVELS),
                v.get(LEVEL0_COMPACTION_TRIGGER_FILES), v.get(LEVEL0_SLOWDOWN_TRIGGER_FILES), v.get(LEVEL0_STOP_TRIGGER_FILES),
                v.get(MAX_GROUP_COMMIT_BYTES), v.get(VERIFY_CHECKSUMS), v.get(BLOCK_CACHE_SIZE_BYTES));
    }

    /** Target bytes of {@code level} (1 and up). */
    long maxBytesForLevel(int level) {
        double bytes = maxBytesForLevelBaseBytes;
        for (int l = 1; l < level; l++) {
            bytes *= levelSizeMultiplier;
        }
        return (long) Math.min(bytes, Long.MAX_VALUE / 2.0);
    }
}
