package io.kvkit.server.admin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonWriterTest {

    @Test
    void writesNestedDocumentsWithCommasInPlace() {
        String json = new JsonWriter().beginObject()
                .name("a").value(1).name("b").beginArray().value(true).nullValue().beginObject().endObject().beginArray().endArray()
                .value("x").endArray().name("c").value((String) null).name("d").value(Long.MIN_VALUE)
                .endObject().text();
        assertThat(json).isEqualTo("{\"a\":1,\"b\":[true,null,{},[],\"x\"],\"c\":null,\"d\":" + Long.MIN_VALUE + "}");
        Map<String, Object> expected = new java.util.HashMap<>();
        expected.put("a", 1L);
        expected.put("b", java.util.Arrays.asList(true, null, Map.of(), List.of(), "x"));
        expected.put("c", null);
        expected.put("d", Long.MIN_VALUE);
        assertThat(JsonText.parse(json)).isEqualTo(expected);
    }

    @Test
    void anyStringSurvivesEscapingAndStaysValidUtf8() {
        long seed = System.nanoTime();
        System.out.println("JsonWriterTest.anyStringSurvivesEscapingAndStaysValidUtf8 seed=" + seed);
        Random random = new Random(seed);
        for (int round = 0; round < 2_000; round++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(20);
            for (int k = 0; k < n; k++) {
                // every char value, controls and unpaired surrogates included, with the tricky ones often
                b.append(random.nextInt(4) == 0 ? "\"\\/\u0000\u001f\u007f\u2028\uD800\uDC00\uD83D\uDE00".charAt(random.nextInt(10))
                        : (char) random.nextInt(0x10000));
            }
            String s = b.toString();
            String json = new JsonWriter().beginArray().value(s).endArray().text();
            // the text must survive UTF-8 (what goes on the wire) unchanged
            String wire = new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            assertThat(wire).as("seed %d round %d", seed, round).isEqualTo(json);
            assertThat(JsonText.parse(wire)).as("seed %d round %d", seed, round).isEqualTo(List.of(s));
        }
    }

    @Test
    void misuseIsRefused() {
        assertThatThrownBy(() -> new JsonWriter().beginObject().value(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("member name");
        assertThatThrownBy(() -> new JsonWriter().beginArray().name("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginArray().endObject()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginObject().name("a").endObject()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new JsonWriter().beginObject().text()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not complete");
        assertThatThrownBy(() -> new JsonWriter().value(1).value(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one top-level value");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,}", "[1,]", "{\"a\":1}x", "\"a\u0001\"", "\"\\x\"", "01", "{\"a\":1,\"a\":2}", "[", "tru", "{a:1}"})
    void theTestParserIsStrict(String bad) {
        assertThatThrownBy(() -> JsonText.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statusViewJsonHasEveryFieldWithItsType() {
        StatusView v = new StatusView(2, 9, true,
                List.of(new StatusView.NodeView(1, "10.0.0.1:7000", true), new StatusView.NodeView(2, "10.0.0.2:7000", false)),
                List.of(new StatusView.PartitionView(0, List.of(1L, 2L, 3L), 1, new StatusView.LocalReplica("FOLLOWER", 4, 100, 99, 101)),
                        new StatusView.PartitionView(1, List.of(3L, 1L, 4L), 0, null, List.of(3L, 1L, 5L), List.of(1L, 3L, 4L),
                                List.of(5L))),
                List.of(new StatusView.TableView("default", "lsm", Map.of()),
                        new StatusView.TableView("users \"v2\"", "bplustree", Map.of("pageSizeBytes", "8192"))),
                new StatusView.MovesView(1, 6, 5));
        Map<?, ?> doc = (Map<?, ?>) JsonText.parse(v.toJson());
        StatusSchema.check(doc);
        assertThat(doc.get("nodeId")).isEqualTo(2L);
        assertThat(doc.get("epoch")).isEqualTo(9L);
        List<?> partitions = (List<?>) doc.get("partitions");
        assertThat(((Map<?, ?>) partitions.get(0)).get("local")).isEqualTo(Map.of("role", "FOLLOWER", "term", 4L, "commitIndex", 100L,
                "appliedIndex", 99L, "lastIndex", 101L));
        assertThat(((Map<?, ?>) partitions.get(1)).get("local")).isNull();
        assertThat(((Map<?, ?>) partitions.get(1)).get("replicas")).isEqualTo(List.of(3L, 1L, 4L));
        assertThat(((Map<?, ?>) partitions.get(0)).get("moving")).isEqualTo(false);
        assertThat(((Map<?, ?>) partitions.get(1)).get("moving")).isEqualTo(true);
        assertThat(((Map<?, ?>) partitions.get(1)).get("target")).isEqualTo(List.of(3L, 1L, 5L));
        assertThat(((Map<?, ?>) partitions.get(1)).get("learners")).isEqualTo(List.of(5L));
        assertThat(doc.get("moves")).isEqualTo(Map.of("inProgress", 1L, "startedHere", 6L, "finishedHere", 5L));
        List<?> tables = (List<?>) doc.get("tables");
        assertThat(((Map<?, ?>) tables.get(1)).get("name")).isEqualTo("users \"v2\"");
        assertThat(((Map<?, ?>) tables.get(1)).get("options")).isEqualTo(Map.of("pageSizeBytes", "8192"));
    }
}
