package io.kvkit.client;

import static io.kvkit.client.FakeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.TableInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests over many partitions: multi-get split and merged, batches, scans merged in key order. */
class KvClientMultiPartitionTest {
    private static final int PARTITIONS = 16;
    private FakeCluster cluster;
    private KvClient client;

    @BeforeEach
    void start() {
        cluster = new FakeCluster(3, PARTITIONS, 3);
        client = KvClient.builder().seeds(cluster.seeds().toArray(String[]::new)).defaultDeadline(Duration.ofSeconds(30)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private int received(Request.BodyCase kind) {
        return cluster.nodes.stream().mapToInt(n -> n.received(kind)).sum();
    }

    @Test
    void multiGetIsSplitPerPartitionAndMergedInRequestOrder() {
        long seed = System.nanoTime();
        System.out.println("multiGet seed " + seed);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            byte[] k = bytes("mg-" + i);
            keys.add(k);
            if (i % 6 != 0) {
                cluster.load("default", k, bytes("value-" + i));
            }
        }
        Collections.shuffle(keys, new Random(seed));
        Set<Integer> partitions = new HashSet<>();
        keys.forEach(k -> partitions.add(cluster.partitioner.partitionOf(k)));

        List<byte[]> values = client.defaultTable().multiGet(keys);

        assertThat(values).hasSize(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] stored = cluster.valueOf("default", keys.get(i));
            assertThat(values.get(i)).as("value of %s (seed %d)", new String(keys.get(i)), seed).isEqualTo(stored);
        }
        // one request per partition (the fake refuses a multi-get whose keys span partitions)
        assertThat(received(Request.BodyCase.MULTI_GET)).isEqualTo(partitions.size());
    }

    @Test
    void aBatchAcrossPartitionsIsRefusedUnlessSplittingIsAllowed() {
        WriteBatch b = new WriteBatch();
        for (int i = 0; i < 40; i++) {
            b.put(bytes("b-" + i), bytes("v" + i));
        }
        b.delete(bytes("b-3"));
        client.topology();
        assertThatThrownBy(() -> client.defaultTable().batch(b))
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.INVALID_ARGUMENT))
                .hasMessageContaining("atomic only within one partition")
                .hasMessageContaining("Nothing was sent")
                .hasMessageContaining("batchPerPartition");
        assertThat(received(Request.BodyCase.BATCH)).isZero();

        client.defaultTable().batchPerPartition(b);
        assertThat(cluster.valueOf("default", bytes("b-39"))).isEqualTo(bytes("v39"));
        assertThat(cluster.valueOf("default", bytes("b-3"))).isNull();

        WriteBatch single = new WriteBatch().put(cluster.keyIn(4, 0), bytes("x")).put(cluster.keyIn(4, 1), bytes("y"))
                .delete(cluster.keyIn(4, 0));
        client.defaultTable().batch(single);
        assertThat(cluster.valueOf("default", cluster.keyIn(4, 0))).isNull();
        assertThat(cluster.valueOf("default", cluster.keyIn(4, 1))).isEqualTo(bytes("y"));
    }

    @Test
    void aScanIsMergedInKeyOrderAcrossPartitionsWithContinuation() {
        TreeSet<String> all = new TreeSet<>();
        for (int i = 0; i < 500; i++) {
            String k = "key-%04d".formatted(i);
            all.add(k);
            cluster.load("default", bytes(k), bytes("v" + i));
        }
        assertThat(scanAll(ScanRange.all(37))).containsExactlyElementsOf(all);
        assertThat(scanAll(ScanRange.all(61).reversed())).containsExactlyElementsOf(all.descendingSet());
        assertThat(scanAll(ScanRange.of(bytes("key-0100"), bytes("key-0110"), 1)))
                .containsExactlyElementsOf(all.subSet("key-0100", "key-0110"));
        assertThat(scanAll(ScanRange.of(bytes("key-0100"), bytes("key-0200"), 500).reversed()))
                .containsExactlyElementsOf(all.subSet("key-0100", true, "key-0200", false).descendingSet());

        ScanPage first = client.defaultTable().scan(ScanRange.all(10).withKeysOnly());
        assertThat(first.entries()).hasSize(10);
        assertThat(first.entries().getFirst().value()).isEmpty();
        assertThat(first.hasMore()).isTrue();
        ScanPage everything = client.defaultTable().scan(ScanRange.all(1000));
        assertThat(everything.entries()).hasSize(500);
        assertThat(everything.hasMore()).isFalse();
    }

    @Test
    void aCursorKeepsPartitionPositionsAndAsksFarLessThanRepeatedScans() {
        TreeSet<String> all = new TreeSet<>();
        for (int i = 0; i < 200; i++) {
            String k = "c-%04d".formatted(i);
            all.add(k);
            cluster.load("default", bytes(k), bytes("v"));
        }
        client.topology();
        int before = received(Request.BodyCase.SCAN);
        List<String> viaPages = scanAll(ScanRange.all(20));
        int statelessRequests = received(Request.BodyCase.SCAN) - before;

        before = received(Request.BodyCase.SCAN);
        List<String> viaCursor = new ArrayList<>();
        for (KvEntry e : client.defaultTable().scanCursor(ScanRange.all(20))) {
            viaCursor.add(new String(e.key()));
        }
        int cursorRequests = received(Request.BodyCase.SCAN) - before;

        assertThat(viaPages).containsExactlyElementsOf(all);
        assertThat(viaCursor).containsExactlyElementsOf(all);
        System.out.println("scan requests for 200 keys in pages of 20 over 16 partitions: stateless " + statelessRequests
                + ", cursor " + cursorRequests);
        assertThat(cursorRequests).isLessThan(statelessRequests / 2);
    }

    private List<String> scanAll(ScanRange range) {
        List<String> keys = new ArrayList<>();
        ScanRange next = range;
        int pages = 0;
        while (next != null) {
            ScanPage page = client.defaultTable().scan(next);
            assertThat(page.entries().size()).isLessThanOrEqualTo(range.limit());
            for (KvEntry e : page.entries()) {
                keys.add(new String(e.key()));
            }
            next = page.next();
            assertThat(++pages).as("pages").isLessThan(1000);
        }
        return keys;
    }

    @Test
    void aScanOfAHashTableIsUnsupportedNamingTheEnginesThatCan() {
        cluster.createTableNow(TableInfo.newBuilder().setName("points").setEngine("hash").build());
        assertThatThrownBy(() -> client.table("points").scan(ScanRange.all(10)))
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.UNSUPPORTED))
                .hasMessageContaining("engines that can: lsm, bplustree");
    }

    @Test
    void keysCompareAsUnsignedBytesInTheMerge() {
        byte[][] keys = {{0x01}, {(byte) 0x80}, {(byte) 0xFF}, {0x7F, 0x00}, {(byte) 0x80, 0x01}};
        for (byte[] k : keys) {
            cluster.load("default", k, bytes("v"));
        }
        List<byte[]> got = client.defaultTable().scan(ScanRange.all(100)).entries().stream().map(KvEntry::key).toList();
        List<byte[]> expected = new ArrayList<>(Arrays.asList(keys));
        expected.sort(Arrays::compareUnsigned);
        assertThat(got).containsExactlyElementsOf(expected);
    }
}
