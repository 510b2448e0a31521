package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.OptionValues;

import java.util.List;

/**
 * Every option of the "bplustree" engine, with its default and unit in its name.
 *
 * @param pageSizeBytes          size of every page; fixed when the file is created (an existing
 *                               file keeps its own page size, whatever this says)
 * @param mapChunkBytes          the file is mapped in chunks of this size; the file grows a chunk at a time
 * @param checkpointEveryOps     writes held in the overlay (and the log) before they are folded into the tree
 * @param checkpointEveryBytes   bytes of writes held in the overlay before they are folded into the tree
 * @param checkpointChunkOps     keys one checkpoint transaction folds; the pages it frees are reused by the next
 * @param idleCheckpointMillis   fold the overlay into the tree after this long without a write (0: never)
 * @param maxGroupCommitOps      most operations one group commit takes from the queue
 */
public record BPlusTreeOptions(int pageSizeBytes, long mapChunkBytes, int checkpointEveryOps, long checkpointEveryBytes,
                               int checkpointChunkOps, int idleCheckpointMillis, int maxGroupCommitOps) {

    public static final OptionSpec<Integer> PAGE_SIZE_BYTES = OptionSpec.ofInt("pageSizeBytes", 4096, 1024, 32768,
            "page size in bytes, a power of two; fixed when the file is created");
    public static final OptionSpec<Long> MAP_CHUNK_BYTES = OptionSpec.ofLong("mapChunkBytes", 64L << 20, 1L << 20, 1L << 30,
            "size of one mapped chunk of the file in bytes, a power of two; the file grows by chunks");
    public static final OptionSpec<Integer> CHECKPOINT_EVERY_OPS = OptionSpec.ofInt("checkpointEveryOps", 262144, 1, 1 << 26,
            "writes held in the overlay and the write-ahead log before a checkpoint folds them into the tree");
    public static final OptionSpec<Long> CHECKPOINT_EVERY_BYTES = OptionSpec.ofLong("checkpointEveryBytes", 64L << 20, 1L << 10,
            1L << 34, "bytes of writes held in the overlay before a checkpoint folds them into the tree");
    public static final OptionSpec<Integer> CHECKPOINT_CHUNK_OPS = OptionSpec.ofInt("checkpointChunkOps", 32768, 16, 1 << 26,
            "keys one checkpoint transaction folds into the tree; the pages it frees are reused by the next one");
    public static final OptionSpec<Integer> IDLE_CHECKPOINT_MILLIS = OptionSpec.ofInt("idleCheckpointMillis", 200, 0, 3_600_000,
            "checkpoint after this many milliseconds without a write (0: only by size and on close)");
    public static final OptionSpec<Integer> MAX_GROUP_COMMIT_OPS = OptionSpec.ofInt("maxGroupCommitOps", 65536, 1, 1 << 24,
            "most operations that concurrent writers share in one commit");

    public static final List<OptionSpec<?>> SPECS = List.of(PAGE_SIZE_BYTES, MAP_CHUNK_BYTES, CHECKPOINT_EVERY_OPS,
            CHECKPOINT_EVERY_BYTES, CHECKPOINT_CHUNK_OPS, IDLE_CHECKPOINT_MILLIS, MAX_GROUP_COMMIT_OPS);

    public BPlusTreeOptions {
        if (Integer.bitCount(pageSizeBytes) != 1) {
            throw new InvalidArgumentException("option pageSizeBytes=" + pageSizeBytes
                    + " is not a power of two; allowed: 1024, 2048, 4096, 8192, 16384, 32768");
        }
        if (Long.bitCount(mapChunkBytes) != 1 || mapChunkBytes < pageSizeBytes) {
            throw new InvalidArgumentException("option mapChunkBytes=" + mapChunkBytes
                    + " is not a power of two at least the page size; allowed: a power of two in 1MiB..1GiB");
        }
    }

    public static BPlusTreeOptions defaults() {
        return new BPlusTreeOptions(PAGE_SIZE_BYTES.defaultValue(), MAP_CHUNK_BYTES.defaultValue(),
                CHECKPOINT_EVERY_OPS.defaultValue(), CHECKPOINT_EVERY_BYTES.defaultValue(), CHECKPOINT_CHUNK_OPS.defaultValue(),
                IDLE_CHECKPOINT_MILLIS.defaultValue(),
                MAX_GROUP_COMMIT_OPS.defaultValue());
    }

    static BPlusTreeOptions from(EngineConfig config) {
        OptionValues v = OptionValues.parse(BPlusTreeEngineProvider.NAME, SPECS, config.engineOptions());
        return new BPlusTreeOptions(v.get(PAGE_SIZE_BYTES), v.get(MAP_CHUNK_BYTES), v.get(CHECKPOINT_EVERY_OPS),
                v.get(CHECKPOINT_EVERY_BYTES), v.get(CHECKPOINT_CHUNK_OPS), v.get(IDLE_CHECKPOINT_MILLIS), v.get(MAX_GROUP_COMMIT_OPS));
    }

    BPlusTreeOptions withPageSize(int pageSize) {
        return new BPlusTreeOptions(pageSize, Math.max(mapChunkBytes, pageSize), checkpointEveryOps, checkpointEveryBytes,
                checkpointChunkOps, idleCheckpointMillis, maxGroupCommitOps);
    }
}
