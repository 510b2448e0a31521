package io.kvkit.server.admin;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shape of the {@code /status} document: every field present, with its JSON type, and nothing else. */
public final class StatusSchema {
    private StatusSchema() {
    }

    private static java.util.Set<Object> keys(Map<?, ?> m) {
        return new java.util.HashSet<>(m.keySet());
    }

    public static void check(Map<?, ?> doc) {
        assertThat(keys(doc)).containsExactlyInAnyOrder("nodeId", "epoch", "serving", "nodes", "partitions", "tables", "moves");
        Map<?, ?> moves = (Map<?, ?>) doc.get("moves");
        assertThat(keys(moves)).containsExactlyInAnyOrder("inProgress", "startedHere", "finishedHere");
        assertThat(moves.values()).allMatch(x -> x instanceof Long);
        assertThat(doc.get("nodeId")).isInstanceOf(Long.class);
        assertThat(doc.get("epoch")).isInstanceOf(Long.class);
        assertThat(doc.get("serving")).isInstanceOf(Boolean.class);
        for (Object o : (List<?>) doc.get("nodes")) {
            Map<?, ?> n = (Map<?, ?>) o;
            assertThat(keys(n)).containsExactlyInAnyOrder("id", "clientAddress", "up");
            assertThat(n.get("id")).isInstanceOf(Long.class);
            assertThat(n.get("clientAddress")).isInstanceOf(String.class);
            assertThat(n.get("up")).isInstanceOf(Boolean.class);
        }
        for (Object o : (List<?>) doc.get("partitions")) {
            Map<?, ?> p = (Map<?, ?>) o;
            assertThat(keys(p)).containsExactlyInAnyOrder("id", "replicas", "leader", "target", "voters", "learners", "moving", "local");
            assertThat(p.get("moving")).isInstanceOf(Boolean.class);
            for (String ids : List.of("target", "voters", "learners")) {
                assertThat((List<?>) p.get(ids)).allMatch(r -> r instanceof Long);
            }
            assertThat(p.get("id")).isInstanceOf(Long.class);
            assertThat(p.get("leader")).isInstanceOf(Long.class);
            assertThat((List<?>) p.get("replicas")).allMatch(r -> r instanceof Long);
            if (p.get("local") != null) {
                Map<?, ?> l = (Map<?, ?>) p.get("local");
                assertThat(keys(l)).containsExactlyInAnyOrder("role", "term", "commitIndex", "appliedIndex", "lastIndex");
                assertThat(l.get("role")).isInstanceOf(String.class);
                assertThat(List.of(l.get("term"), l.get("commitIndex"), l.get("appliedIndex"), l.get("lastIndex")))
                        .allMatch(x -> x instanceof Long);
            }
        }
        for (Object o : (List<?>) doc.get("tables")) {
            Map<?, ?> t = (Map<?, ?>) o;
            assertThat(keys(t)).containsExactlyInAnyOrder("name", "engine", "options");
            assertThat(t.get("name")).isInstanceOf(String.class);
            assertThat(t.get("engine")).isInstanceOf(String.class);
            assertThat(((Map<?, ?>) t.get("options")).values()).allMatch(x -> x instanceof String);
        }
    }
}
