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
 * @param maxUnsyncedFreedPages  pages freed by commits after the last synced one are kept unused
 *                               (so that the last durable tree survives power loss); when more
 *                               than this many (or a quarter of the file) wait, a commit syncs
 * @param maxGroupCommitOps      most operations one group commit takes from the queue
 */
public record BPlusTreeOptions(int pageSizeBytes, long mapChunkBytes, int maxUnsyncedFreedPages, int maxGroupCommitOps) {

    public static final OptionSpec<Integer> PAGE_SIZE_BYTES = OptionSpec.ofInt("pageSizeBytes", 4096, 1024, 32768,
            "page size in bytes, a power of two; fixed when the file is created");
    public static final OptionSpec<Long> MAP_CHUNK_BYTES = OptionSpec.ofLong("mapChunkBytes", 64L << 20, 1L << 20, 1L << 30,
            "size of one mapped chunk of the file in bytes, a power of two; the file grows by chunks");
    public static final OptionSpec<Integer> MAX_UNSYNCED_FREED_PAGES = OptionSpec.ofInt("maxUnsyncedFreedPages", 16384, 16,
            1 << 30, "freed pages waiting for a sync before a commit syncs by itself to make them reusable");
    public static final OptionSpec<Integer> MAX_GROUP_COMMIT_OPS = OptionSpec.ofInt("maxGroupCommitOps", 65536, 1, 1 << 24,
            "most operations that concurrent writers share in one commit");

    public static final List<OptionSpec<?>> SPECS = List.of(PAGE_SIZE_BYTES, MAP_CHUNK_BYTES, MAX_UNSYNCED_FREED_PAGES,
            MAX_GROUP_COMMIT_OPS);

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
                MAX_UNSYNCED_FREED_PAGES.defaultValue(), MAX_GROUP_COMMIT_OPS.defaultValue());
    }

    static BPlusTreeOptions from(EngineConfig config) {
        OptionValues v = OptionValues.parse(BPlusTreeEngineProvider.NAME, SPECS, config.engineOptions());
        return new BPlusTreeOptions(v.get(PAGE_SIZE_BYTES), v.get(MAP_CHUNK_BYTES), v.get(MAX_UNSYNCED_FREED_PAGES),
                v.get(MAX_GROUP_COMMIT_OPS));
    }

    BPlusTreeOptions withPageSize(int pageSize) {
        return new BPlusTreeOptions(pageSize, Math.max(mapChunkBytes, pageSize), maxUnsyncedFreedPages, maxGroupCommitOps);
    }
}
