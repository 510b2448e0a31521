package io.kvkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Random ranges, limits and directions over random binary keys, paged both statelessly and with
 * a cursor, against a sorted model. Seed printed; replay with -Dkvkit.client.seed=N.
 */
class ScanMergeRandomTest {
    @Test
    void pagedScansMatchASortedModel() {
        long seed = Long.getLong("kvkit.client.seed", System.nanoTime());
        System.out.println("ScanMergeRandomTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (FakeCluster cluster = new FakeCluster(2, 8, 2);
             KvClient client = KvClient.builder().seeds(cluster.seeds().getFirst()).defaultDeadline(Duration.ofSeconds(30)).build()) {
            for (int i = 0; i < 200; i++) {
                byte[] k = new byte[1 + rnd.nextInt(4)];
                rnd.nextBytes(k);
                byte[] v = new byte[rnd.nextInt(8)];
                rnd.nextBytes(v);
                model.put(k, v);
                cluster.load("default", k, v);
            }
            for (int round = 0; round < 6; round++) {
                byte[] a = randomBound(rnd);
                byte[] b = randomBound(rnd);
                if (a != null && b != null && Arrays.compareUnsigned(a, b) > 0) {
                    byte[] x = a;
                    a = b;
                    b = x;
                }
                int limit = rnd.nextBoolean() ? 4 + rnd.nextInt(5) : 10 + rnd.nextInt(110);
                boolean reverse = rnd.nextBoolean();
                ScanRange range = new ScanRange(a, b, limit, reverse, false);
                List<KvEntry> expected = expected(model, range);

                List<KvEntry> paged = new ArrayList<>();
                ScanRange next = range;
                while (next != null) {
                    ScanPage page = client.defaultTable().scan(next);
                    assertThat(page.entries().size()).isLessThanOrEqualTo(limit);
                    paged.addAll(page.entries());
                    next = page.next();
                }
                List<KvEntry> cursor = new ArrayList<>();
                client.defaultTable().scanCursor(range).forEach(cursor::add);

                assertThat(paged).as("seed %d round %d stateless", seed, round).containsExactlyElementsOf(expected);
                assertThat(cursor).as("seed %d round %d cursor", seed, round).containsExactlyElementsOf(expected);
            }
        }
    }

    private static byte[] randomBound(SplittableRandom rnd) {
        if (rnd.nextInt(4) == 0) {
            return null;
        }
        byte[] b = new byte[1 + rnd.nextInt(2)];
        rnd.nextBytes(b);
        return b;
    }

    private static List<KvEntry> expected(NavigableMap<byte[], byte[]> model, ScanRange r) {
        NavigableMap<byte[], byte[]> m = model;
        if (r.start() != null) {
            m = m.tailMap(r.start(), true);
        }
        if (r.end() != null) {
            m = m.headMap(r.end(), false);
        }
        if (r.reverse()) {
            m = m.descendingMap();
        }
        List<KvEntry> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new KvEntry(k, v)));
        return out;
    }
}
