package io.kvkit.ycsb;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCodecTest {
    private static final long SEED = Long.getLong("kvkit.test.seed", System.nanoTime());

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, byte[]> record(Object... nameValue) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], (byte[]) nameValue[i + 1]);
        }
        return m;
    }

    private static void assertSameRecord(Map<String, byte[]> actual, Map<String, byte[]> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((k, v) -> assertThat(actual.get(k)).as("field %s", k).isEqualTo(v));
    }

    @Test
    void roundTripsRandomRecords() {
        System.out.println("RecordCodecTest seed " + SEED + " (replay with -Dkvkit.test.seed=" + SEED + ")");
        Random rnd = new Random(SEED);
        for (int i = 0; i < 2_000; i++) {
            Map<String, byte[]> m = new LinkedHashMap<>();
            int n = rnd.nextInt(i % 100 == 0 ? 300 : 12);
            for (int f = 0; f < n; f++) {
                byte[] v = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(130)];
                rnd.nextBytes(v);
                m.put("f" + rnd.nextInt(1000) + (rnd.nextBoolean() ? "é" : ""), v);
            }
            byte[] enc = RecordCodec.encode(m);
            assertThat(enc[0]).isEqualTo(RecordCodec.FORMAT_VERSION_1);
            assertSameRecord(RecordCodec.decode(enc), m);
        }
    }

    @Test
    void emptyRecordAndEmptyValuesRoundTrip() {
        assertThat(RecordCodec.decode(RecordCodec.encode(Map.of()))).isEmpty();
        Map<String, byte[]> m = record("", new byte[0], "a", new byte[0]);
        assertSameRecord(RecordCodec.decode(RecordCodec.encode(m)), m);
    }

    @Test
    void encodingIsCompact() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int f = 0; f < 10; f++) {
            m.put("field" + f, new byte[100]);
        }
        // version, count, then per field: 1-byte name length, 6-byte name, 1-byte value length
        assertThat(RecordCodec.encode(m)).hasSize(1000 + 2 + 10 * 8);
    }

    @Test
    void readsOnlyTheFieldsAskedFor() {
        byte[] enc = RecordCodec.encode(record("field0", b("zero"), "field1", b("one"), "field2", b("two")));
        Map<String, byte[]> some = RecordCodec.decode(enc, Set.of("field2", "field0", "missing"));
        assertSameRecord(some, record("field0", b("zero"), "field2", b("two")));
        assertThat(RecordCodec.decode(enc, Set.of())).isEmpty();
    }

    @Test
    void mergeChangesOnlyTheGivenFields() {
        byte[] enc = RecordCodec.encode(record("field0", b("zero"), "field1", b("one"), "field2", b("two")));
        byte[] merged = RecordCodec.merge(enc, record("field1", b("ONE!"), "field9", b("nine")));
        assertSameRecord(RecordCodec.decode(merged),
                record("field0", b("zero"), "field1", b("ONE!"), "field2", b("two"), "field9", b("nine")));
        assertSameRecord(RecordCodec.decode(RecordCodec.merge(enc, Map.of())), RecordCodec.decode(enc));
    }

    @Test
    void everyTruncationIsAClearError() {
        byte[] enc = RecordCodec.encode(record("field0", new byte[300], "field1", b("x")));
        for (int len = 0; len < enc.length; len++) {
            byte[] cut = Arrays.copyOf(enc, len);
            assertThatThrownBy(() -> RecordCodec.decode(cut))
                    .as("truncated to %d bytes", len)
                    .isInstanceOf(RecordFormatException.class)
                    .hasMessageContaining("record")
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("ends inside", "runs past the end", "empty value"));
        }
    }

    @Test
    void unknownVersionIsRefusedByName() {
        byte[] enc = RecordCodec.encode(record("field0", b("v")));
        enc[0] = 0x07;
        assertThatThrownBy(() -> RecordCodec.decode(enc))
                .isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("unknown record format version 0x07")
                .hasMessageContaining("reads version 0x01");
    }

    @Test
    void trailingBytesDuplicateNamesAndOversizedLengthsAreErrors() {
        byte[] enc = RecordCodec.encode(record("a", b("1")));
        byte[] longer = Arrays.copyOf(enc, enc.length + 2);
        assertThatThrownBy(() -> RecordCodec.decode(longer)).isInstanceOf(RecordFormatException.class).hasMessageContaining("2 trailing bytes");

        byte[] twice = {1, 2, 1, 'a', 1, 'x', 1, 'a', 1, 'y'};
        assertThatThrownBy(() -> RecordCodec.decode(twice)).isInstanceOf(RecordFormatException.class).hasMessageContaining("field 'a' twice");

        byte[] hugeLength = {1, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 'a'};
        assertThatThrownBy(() -> RecordCodec.decode(hugeLength)).isInstanceOf(RecordFormatException.class).hasMessageContaining("not a varint");

        byte[] pastEnd = {1, 1, 1, 'a', 100, 'x'};
        assertThatThrownBy(() -> RecordCodec.decode(pastEnd)).isInstanceOf(RecordFormatException.class)
                .hasMessageContaining("value of field 0 (100 bytes at offset 5) runs past the end");
    }

    @Test
    void nullValuesAreRejectedOnEncode() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("field0", null);
        assertThatThrownBy(() -> RecordCodec.encode(m)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field0");
    }

    @Test
    void varintSizes() {
        assertThat(RecordCodec.varintSize(0)).isEqualTo(1);
        assertThat(RecordCodec.varintSize(127)).isEqualTo(1);
        assertThat(RecordCodec.varintSize(128)).isEqualTo(2);
        assertThat(RecordCodec.varintSize(Integer.MAX_VALUE)).isEqualTo(5);
    }
}
