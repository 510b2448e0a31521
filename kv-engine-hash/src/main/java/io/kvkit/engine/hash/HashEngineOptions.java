package io.kvkit.engine.hash;

import io.kvkit.engine.api.OptionSpec;
import io.kvkit.engine.api.OptionValues;

import java.util.List;
import java.util.Map;

/**
 * Every tunable of the hash engine, with its default and unit in its name. Set them through
 * {@link io.kvkit.engine.api.EngineConfig.Builder#option}.
 *
 * @param segmentSizeBytes              size of each log segment file (preallocated); a record larger than this gets a
 *                                      segment of its own size
 * @param expectedKeys                  keys the index is sized for at open, so that a bulk load does not rebuild it
 * @param compactionDeadFraction        a sealed segment whose dead bytes pass this fraction is rewritten
 * @param compactionEnabled             whether the background thread compacts segments
 * @param indexCheckpointIntervalBytes  log bytes written between two index checkpoints (hint files); 0 = only on close
 * @param maintenanceIntervalMillis     how often the background thread looks for work
 * @param verifyChecksumsOnRead         whether every read checks the record's CRC32C
 */
public record HashEngineOptions(long segmentSizeBytes, long expectedKeys, double compactionDeadFraction, boolean compactionEnabled,
                                long indexCheckpointIntervalBytes, long maintenanceIntervalMillis, boolean verifyChecksumsOnRead) {

    public static final OptionSpec<Long> SEGMENT_SIZE_BYTES = OptionSpec.ofLong("segmentSizeBytes", 128L << 20, 64L << 10,
            2L << 30, "size of each preallocated log segment file");
    public static final OptionSpec<Long> EXPECTED_KEYS = OptionSpec.ofLong("expectedKeys", 65_536, 1, 1L << 32,
            "keys the index is sized for when the store opens (it grows beyond this by rebuilding)");
    public static final OptionSpec<Double> COMPACTION_DEAD_FRACTION = OptionSpec.ofDouble("compactionDeadFraction", 0.5, 0.01,
            1.0, "a sealed segment whose dead bytes pass this fraction of its size is rewritten in the background");
    public static final OptionSpec<Boolean> COMPACTION_ENABLED = OptionSpec.ofBoolean("compactionEnabled", true,
            "whether the background thread compacts segments");
    public static final OptionSpec<Long> INDEX_CHECKPOINT_INTERVAL_BYTES = OptionSpec.ofLong("indexCheckpointIntervalBytes",
            256L << 20, 0, Long.MAX_VALUE, "log bytes between two index checkpoints (hint files); 0 writes one only on close");
    public static final OptionSpec<Long> MAINTENANCE_INTERVAL_MILLIS = OptionSpec.ofLong("maintenanceIntervalMillis", 200, 1,
            60_000, "how often the background thread looks for segments to sync, compact or checkpoint");
    public static final OptionSpec<Boolean> VERIFY_CHECKSUMS_ON_READ = OptionSpec.ofBoolean("verifyChecksumsOnRead", true,
            "whether every read checks the record's CRC32C");

    public static final List<OptionSpec<?>> ALL = List.of(SEGMENT_SIZE_BYTES, EXPECTED_KEYS, COMPACTION_DEAD_FRACTION,
            COMPACTION_ENABLED, INDEX_CHECKPOINT_INTERVAL_BYTES, MAINTENANCE_INTERVAL_MILLIS, VERIFY_CHECKSUMS_ON_READ);

    public static final HashEngineOptions DEFAULTS = parse(Map.of());

    /** Parses raw options, rejecting unknown keys and bad values with a message that says what is allowed. */
    public static HashEngineOptions parse(Map<String, String> raw) {
        OptionValues v = OptionValues.parse(HashEngineProvider.NAME, ALL, raw);
        return new HashEngineOptions(v.get(SEGMENT_SIZE_BYTES), v.get(EXPECTED_KEYS), v.get(COMPACTION_DEAD_FRACTION),
                v.get(COMPACTION_ENABLED), v.get(INDEX_CHECKPOINT_INTERVAL_BYTES), v.get(MAINTENANCE_INTERVAL_MILLIS),
                v.get(VERIFY_CHECKSUMS_ON_READ));
    }
}
