package io.kvkit.server.admin;

import io.kvkit.engine.api.EngineStats;
import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.raft.runtime.RaftNodeStats;
import io.kvkit.raft.storage.SharedRaftLogStats;
import io.kvkit.raft.transport.TransportStats;
import io.kvkit.server.endpoint.CloseReason;
import io.kvkit.server.endpoint.EndpointStats;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** JVM, Raft, storage and endpoint metrics: they parse, carry the values given, and follow the naming rules. */
class ComponentMetricsTest {
    private static final Pattern NAME = Pattern.compile("kvkit_[a-z0-9_]+");

    @Test
    void jvmMetricsParseAndShowTheHeap() {
        MetricsWriter w = new MetricsWriter();
        JvmMetrics.writeTo(w);
        var f = PrometheusText.parse(w.text());
        checkNaming(f);
        assertThat(f.get("kvkit_jvm_memory_used_bytes").value("kvkit_jvm_memory_used_bytes", Map.of("area", "heap"))).isPositive();
        assertThat(f.get("kvkit_jvm_threads_live").value("kvkit_jvm_threads_live", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(f.get("kvkit_process_uptime_seconds").value("kvkit_process_uptime_seconds", Map.of())).isPositive();
        assertThat(f).containsKeys("kvkit_jvm_gc_collections_total", "kvkit_jvm_gc_collection_seconds_total",
                "kvkit_jvm_buffer_pool_used_bytes", "kvkit_jvm_memory_committed_bytes");
    }

    @Test
    void raftMetricsCarryNodeLogAndGroupFigures() {
        MetricsWriter w = new MetricsWriter();
        RaftMetrics.writeTo(w, new RaftNodeStats(3, 10, 11, 7, 20, 100, 1, 90, 2, 3, 50, 45, 1, 0, 1000, 1, 4, 3, 12));
        RaftMetrics.writeTo(w, new SharedRaftLogStats(3, 2, 4096, 2048, 9, 512, 1, 60));
        RaftMetrics.writeTo(w, new TransportStats(100, 60, 9000, 90, 50, 8000, 1, 2, 3, 4, 5, 6, 7));
        RaftMetrics.writeTo(w, Map.of(
                "p0", new GroupStatus(2, 1, Role.LEADER, 5, 1, 100, 95, 102, false),
                "meta", new GroupStatus(1, 1, Role.FOLLOWER, 2, 3, 40, 40, 40, true)));
        var f = PrometheusText.parse(w.text());
        checkNaming(f);
        assertThat(f.get("kvkit_raft_log_syncs_total").value("kvkit_raft_log_syncs_total", Map.of())).isEqualTo(7);
        assertThat(f.get("kvkit_raft_log_fsyncs_total").value("kvkit_raft_log_fsyncs_total", Map.of())).isEqualTo(9);
        assertThat(f.get("kvkit_raft_messages_dropped_total").value("kvkit_raft_messages_dropped_total", Map.of("reason", "inbox_full")))
                .isEqualTo(3);
        assertThat(f.get("kvkit_raft_transport_dropped_total").value("kvkit_raft_transport_dropped_total", Map.of("reason", "closed")))
                .isEqualTo(4);
        assertThat(f.get("kvkit_raft_transport_sent_bytes_total").value("kvkit_raft_transport_sent_bytes_total", Map.of()))
                .isEqualTo(9000);
        assertThat(f.get("kvkit_raft_group_apply_lag_entries").value("kvkit_raft_group_apply_lag_entries", Map.of("group", "p0")))
                .isEqualTo(7);
        assertThat(f.get("kvkit_raft_group_role").value("kvkit_raft_group_role", Map.of("group", "p0", "role", "leader"))).isEqualTo(1);
        assertThat(f.get("kvkit_raft_group_role").value("kvkit_raft_group_role", Map.of("group", "p0", "role", "follower"))).isEqualTo(0);
        assertThat(f.get("kvkit_raft_group_role").value("kvkit_raft_group_role", Map.of("group", "meta", "role", "follower"))).isEqualTo(1);
        assertThat(f.get("kvkit_raft_group_term").value("kvkit_raft_group_term", Map.of("group", "p0"))).isEqualTo(5);
        assertThat(f.get("kvkit_raft_group_quiesced").value("kvkit_raft_group_quiesced", Map.of("group", "meta"))).isEqualTo(1);
    }

    @Test
    void storageMetricsKeepEnginePropertiesApartByLabel() {
        MetricsWriter w = new MetricsWriter();
        StorageMetrics.writeTo(w, List.of(
                new StorageMetrics.EngineSample(0, "default", "lsm", new EngineStats(1000, 200,
                        Map.of("lsm.level0.files", 3, "lsm.level0_files", 4, "weird \"name\"", 0.5))),
                new StorageMetrics.EngineSample(1, "default", "hash", new EngineStats(10, 20, Map.of("hash.index.loadFactor", Double.NaN)))));
        var f = PrometheusText.parse(w.text());
        checkNaming(f);
        assertThat(f.get("kvkit_engine_disk_bytes").value("kvkit_engine_disk_bytes",
                Map.of("partition", "0", "table", "default", "engine", "lsm"))).isEqualTo(1000);
        var props = f.get("kvkit_engine_property");
        assertThat(props.value("kvkit_engine_property", Map.of("partition", "0", "table", "default", "engine", "lsm",
                "property", "lsm.level0.files"))).isEqualTo(3);
        assertThat(props.value("kvkit_engine_property", Map.of("partition", "0", "table", "default", "engine", "lsm",
                "property", "lsm.level0_files"))).isEqualTo(4);
        assertThat(props.value("kvkit_engine_property", Map.of("partition", "0", "table", "default", "engine", "lsm",
                "property", "weird \"name\""))).isEqualTo(0.5);
        assertThat(props.value("kvkit_engine_property", Map.of("partition", "1", "table", "default", "engine", "hash",
                "property", "hash.index.loadFactor"))).isNaN();
    }

    @Test
    void endpointMetricsHaveEveryCloseReason() {
        MetricsWriter w = new MetricsWriter();
        EndpointMetrics.writeTo(w, new EndpointStats(2, 10, 100, 95, 95, 40, Map.of(CloseReason.HANDSHAKE_TIMEOUT, 3L)));
        var f = PrometheusText.parse(w.text());
        checkNaming(f);
        var closed = f.get("kvkit_client_connections_closed_total");
        assertThat(closed.samples).hasSize(CloseReason.values().length);
        assertThat(closed.value("kvkit_client_connections_closed_total", Map.of("reason", "handshake_timeout"))).isEqualTo(3);
        assertThat(f.get("kvkit_client_flushes_total").value("kvkit_client_flushes_total", Map.of())).isEqualTo(40);
    }

    /** kvkit_ prefix, snake case, counters end in _total, every family has HELP and TYPE. */
    static void checkNaming(Map<String, PrometheusText.Family> families) {
        for (var f : families.values()) {
            assertThat(f.name).matches(NAME);
            assertThat(f.help).isNotBlank();
            assertThat(f.type).isNotNull();
            if (f.type.equals("counter")) {
                assertThat(f.name).endsWith("_total");
            }
        }
    }
}
