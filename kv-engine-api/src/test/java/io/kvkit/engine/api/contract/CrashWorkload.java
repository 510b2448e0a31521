package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link CrashContractTest}: opens an engine by name, then writes numbered
 * batches until it is killed, printing {@code ack <n> <sync>} after each write returns. Batch n
 * is a pure function of (seed, n), so the parent can rebuild the expected state of any prefix.
 * Each batch also sets {@link #MARKER} to n, which tells the parent how far the store got.
 *
 * <p>Arguments: {@code engineName directory seed [key=value;key=value engine options]}.
 */
public final class CrashWorkload {
    /** Key holding the number of the last batch applied (8 bytes, big-endian). */
    public static final byte[] MARKER = "\u0000crash-marker".getBytes(StandardCharsets.UTF_8);
    static final int KEY_SPACE = 400;

    private CrashWorkload() {
    }

    public static void main(String[] args) throws Exception {
        String engine = args[0];
        Path dir = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        Map<String, String> options = parseOptions(args.length > 3 ? args[3] : "");
        try (StorageEngine db = open(engine, EngineConfig.builder(dir).options(options).build())) {
            long next = lastApplied(db) + 1;
            System.out.println("ready " + (next - 1));
            System.out.flush();
            for (long n = next; ; n++) {
                boolean sync = isSynced(seed, n);
                db.write(sync ? WriteOptions.SYNC : WriteOptions.DEFAULT, batch(seed, n));
                System.out.println("ack " + n + " " + (sync ? 1 : 0));
                System.out.flush();
            }
        }
    }

    /**
     * Opens an engine by registered name, or, for the kit's own tests, {@code class:<name>} calls
     * that class's static {@code open(EngineConfig)}.
     */
    static StorageEngine open(String engine, EngineConfig config) throws ReflectiveOperationException {
        if (engine.startsWith("class:")) {
            Class<?> type = Class.forName(engine.substring("class:".length()));
            var method = type.getDeclaredMethod("open", EngineConfig.class);
            method.setAccessible(true);
            return (StorageEngine) method.invoke(null, config);
        }
        return StorageEngines.open(engine, config);
    }

    /** The number of the last batch the store holds, from the marker; 0 for a new store. */
    public static long lastApplied(StorageEngine db) {
        byte[] m = db.get(MARKER);
        return m == null ? 0 : ByteBuffer.wrap(m).getLong();
    }

    static boolean isSynced(long seed, long n) {
        return new Random(seed * 1_000_003L + n * 7919L).nextInt(4) == 0;
    }

    /** Batch number {@code n} of the run with {@code seed}. */
    public static WriteBatch batch(long seed, long n) {
        Random rnd = new Random(seed * 31 + n);
        WriteBatch b = new WriteBatch();
        int ops = 1 + rnd.nextInt(12);
        for (int i = 0; i < ops; i++) {
            byte[] key = ("key-" + rnd.nextInt(KEY_SPACE)).getBytes(StandardCharsets.UTF_8);
            if (rnd.nextInt(5) == 0) {
                b.delete(key);
            } else {
                int len = rnd.nextInt(20) == 0 ? 2000 + rnd.nextInt(6000) : 8 + rnd.nextInt(200);
                byte[] value = new byte[len];
                rnd.nextBytes(value);
                ByteBuffer.wrap(value).putLong(n);
                b.put(key, value);
            }
        }
        b.put(MARKER, ByteBuffer.allocate(8).putLong(n).array());
        return b;
    }

    static Map<String, String> parseOptions(String encoded) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : encoded.split(";")) {
            if (!kv.isBlank()) {
                int eq = kv.indexOf('=');
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    static String encodeOptions(Map<String, String> options) {
        StringBuilder sb = new StringBuilder();
        options.forEach((k, v) -> sb.append(k).append('=').append(v).append(';'));
        return sb.toString();
    }
}
