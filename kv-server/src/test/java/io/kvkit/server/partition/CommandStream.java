package io.kvkit.server.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.kvkit.server.partition.Commands.*;

/**
 * A seeded, reproducible sequence of partition commands over two tables and 24 keys: puts,
 * deletes, batches, compare-and-sets, drops and re-creations of {@code t2}, retries of earlier
 * session commands, and bad input. Index
 * 1 creates table {@code t2} with the given engine. Most commands carry a session of one client.
 */
final class CommandStream {
    static final long CLIENT = 0x5EED_C11E_0001L;
    static final String[] TABLES = {"default", "t2"};
    static final int KEYS = 24;

    private final Random random;
    private final String engine;
    private final List<byte[]> sessioned = new ArrayList<>();
    private long seq;
    private long next = 1;

    CommandStream(long seed, String engine) {
        this.random = new Random(seed);
        this.engine = engine;
    }

    static String key(int i) {
        return "k" + i;
    }

    /** The command for the next log index. */
    byte[] next() {
        if (next++ == 1) {
            return withSession(createTable("t2", engine), CLIENT, ++seq, 1, true);
        }
        int roll = random.nextInt(100);
        if (roll < 8 && !sessioned.isEmpty()) {
            // a retry of one of the recent session commands: must answer its first reply, apply nothing
            return sessioned.get(sessioned.size() - 1 - random.nextInt(Math.min(40, sessioned.size())));
        }
        String table = TABLES[random.nextInt(TABLES.length)];
        String k = key(random.nextInt(KEYS));
        String v = "v" + random.nextInt(1000);
        byte[] c;
        if (roll < 40) {
            c = put(table, k, v);
        } else if (roll < 55) {
            c = delete(table, k);
        } else if (roll < 70) {
            int n = 1 + random.nextInt(5);
            var ops = new io.kvkit.client.proto.BatchOperation[n];
            for (int i = 0; i < n; i++) {
                String bk = key(random.nextInt(KEYS));
                ops[i] = random.nextInt(3) == 0 ? opDelete(bk) : opPut(bk, "b" + random.nextInt(1000));
            }
            if (random.nextInt(10) == 0) {
                ops[n - 1] = opPut("x".repeat(PartitionModel.MAX_KEY + 1), "too long"); // the whole batch must be refused
            }
            c = batch(table, ops);
        } else if (roll < 90) {
            String expected = switch (random.nextInt(3)) {
                case 0 -> null;
                case 1 -> "v" + random.nextInt(1000);
                default -> "b" + random.nextInt(1000);
            };
            c = cas(table, k, expected, random.nextInt(4) == 0 ? null : v);
        } else if (roll < 94) {
            c = put("nosuch", k, v);
        } else if (roll < 96) {
            c = put(table, "", v);
        } else if (roll < 98) {
            c = random.nextBoolean() ? dropTable("t2") : createTable("t2", engine);
        } else {
            c = new byte[] {1, (byte) 0xff, (byte) 0xff, 0x07};
            return c; // garbage cannot carry a session
        }
        if (random.nextInt(5) != 0) {
            c = withSession(c, CLIENT, ++seq, Math.max(1, seq - 200), true);
            sessioned.add(c);
        }
        return c;
    }
}
