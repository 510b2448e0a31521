package io.kvkit.server.admin;

import io.kvkit.raft.Role;
import io.kvkit.raft.runtime.GroupStatus;
import io.kvkit.raft.runtime.RaftNodeStats;
import io.kvkit.raft.storage.SharedRaftLogStats;
import io.kvkit.raft.transport.TransportStats;

import java.util.Map;

/**
 * Raft's figures: the node's runtime counters ({@link RaftNodeStats}), its shared log
 * ({@link SharedRaftLogStats}), its transport ({@link TransportStats}) and each hosted group's state ({@link GroupStatus}), labelled
 * {@code group} with the name the caller gives it (e.g. {@code "meta"}, {@code "p12"}).
 * Replication lag is {@code lastIndex - appliedIndex}: entries in this member's log not yet
 * applied to its state machine.
 */
public final class RaftMetrics {
    private RaftMetrics() {
    }

    /** The runtime's counters since start. */
    public static void writeTo(MetricsWriter w, RaftNodeStats s) {
        Map<String, String> none = Map.of();
        w.gauge("kvkit_raft_groups", "Raft groups hosted on this node.", none, s.groups());
        w.gauge("kvkit_raft_groups_quiesced", "Hosted groups that are idle and not ticking.", none, s.quiescedGroups());
        w.counter("kvkit_raft_rounds_total", "Worker rounds that carried out at least one Ready.", none, s.rounds());
        w.counter("kvkit_raft_readies_total", "Readies carried out.", none, s.readies());
        w.counter("kvkit_raft_log_syncs_total", "Log store syncs made by workers (one per round with anything to persist).", none,
                s.syncs());
        w.counter("kvkit_raft_groups_persisted_total", "Sum over syncs of the groups each made durable (group commit).", none,
                s.groupsPersisted());
        w.counter("kvkit_raft_messages_sent_total", "Raft messages the transport accepted.", none, s.messagesSent());
        w.counter("kvkit_raft_messages_dropped_total", "Raft messages dropped, by why.", Map.of("reason", "transport_refused"),
                s.messagesDropped());
        w.counter("kvkit_raft_messages_dropped_total", "Raft messages dropped, by why.", Map.of("reason", "unknown_group"),
                s.messagesDroppedUnknownGroup());
        w.counter("kvkit_raft_messages_dropped_total", "Raft messages dropped, by why.", Map.of("reason", "inbox_full"),
                s.messagesDroppedInboxFull());
        w.counter("kvkit_raft_messages_received_total", "Raft messages handed to a group's inbox.", none, s.messagesReceived());
        w.counter("kvkit_raft_proposals_total", "Commands accepted into a leader's log (or forwarded).", none, s.proposals());
        w.counter("kvkit_raft_entries_applied_total", "Committed entries handled by apply threads.", none, s.entriesApplied());
        w.counter("kvkit_raft_snapshots_created_total", "Log compactions (state machine snapshots).", none, s.snapshotsCreated());
        w.counter("kvkit_raft_snapshots_installed_total", "Snapshots received from a leader and restored.", none,
                s.snapshotsInstalled());
        w.counter("kvkit_raft_ticks_total", "Ticks delivered to group cores.", none, s.groupTicks());
        w.counter("kvkit_raft_quiesces_total", "Times a member quiesced.", none, s.quiesces());
        w.counter("kvkit_raft_wakes_total", "Times a quiesced member woke up.", none, s.wakes());
        w.counter("kvkit_raft_liveness_sent_total", "Node-pair liveness messages sent.", none, s.livenessSent());
    }

    /** The shared Raft log's figures now. */
    public static void writeTo(MetricsWriter w, SharedRaftLogStats s) {
        Map<String, String> none = Map.of();
        w.gauge("kvkit_raft_log_segments", "Segment files of the shared Raft log, the active one included.", none, s.segments());
        w.gauge("kvkit_raft_log_size_bytes", "Bytes in all segments of the shared Raft log.", none, s.totalBytes());
        w.gauge("kvkit_raft_log_live_bytes", "Bytes of the shared Raft log still needed.", none, s.liveBytes());
        w.gauge("kvkit_raft_log_index_heap_bytes", "Heap held by the per-group entry indexes.", none, s.indexHeapBytes());
        w.counter("kvkit_raft_log_fsyncs_total", "fsyncs of the shared Raft log's segments and directory.", none, s.fsyncs());
        w.counter("kvkit_raft_log_rewritten_bytes_total", "Live entry bytes copied forward so old segments could go.", none,
                s.rewrittenBytes());
        w.counter("kvkit_raft_log_segments_deleted_total", "Segments deleted since the log was opened.", none,
                s.deletedSegments());
    }

    /** The Raft transport's counters since start. */
    public static void writeTo(MetricsWriter w, TransportStats s) {
        Map<String, String> none = Map.of();
        w.counter("kvkit_raft_transport_messages_sent_total", "Raft messages written to peer connections.", none, s.messagesSent());
        w.counter("kvkit_raft_transport_frames_sent_total", "Frames written to peer connections.", none, s.framesSent());
        w.counter("kvkit_raft_transport_sent_bytes_total", "Frame bytes written to peers, length prefixes included.", none,
                s.bytesSent());
        w.counter("kvkit_raft_transport_messages_received_total", "Raft messages received from peers.", none, s.messagesReceived());
        w.counter("kvkit_raft_transport_frames_received_total", "Frames received from peers.", none, s.framesReceived());
        w.counter("kvkit_raft_transport_received_bytes_total", "Frame bytes received from peers, length prefixes included.", none,
                s.bytesReceived());
        String dropped = "Raft messages the transport dropped, by why.";
        w.counter("kvkit_raft_transport_dropped_total", dropped, Map.of("reason", "queue_full"), s.droppedQueueFull());
        w.counter("kvkit_raft_transport_dropped_total", dropped, Map.of("reason", "oversized"), s.droppedOversized());
        w.counter("kvkit_raft_transport_dropped_total", dropped, Map.of("reason", "unreachable"), s.droppedUnreachable());
        w.counter("kvkit_raft_transport_dropped_total", dropped, Map.of("reason", "closed"), s.droppedClosed());
        w.counter("kvkit_raft_transport_connect_failures_total", "Outbound peer connection attempts that failed.", none,
                s.connectFailures());
        w.counter("kvkit_raft_transport_connections_lost_total", "Established outbound peer connections that closed.", none,
                s.connectionsLost());
        w.counter("kvkit_raft_transport_inbound_rejected_total", "Inbound peer connections closed for a protocol error.", none,
                s.inboundConnectionsRejected());
    }

    /** Each group's state, keyed by the {@code group} label to give it. */
    public static void writeTo(MetricsWriter w, Map<String, GroupStatus> groups) {
        groups.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            GroupStatus g = e.getValue();
            Map<String, String> l = Map.of("group", e.getKey());
            w.gauge("kvkit_raft_group_term", "The member's current term.", l, g.term());
            for (Role r : Role.values()) {
                w.gauge("kvkit_raft_group_role", "1 for the role the member plays now, 0 for the others.",
                        Map.of("group", e.getKey(), "role", r.name().toLowerCase(java.util.Locale.ROOT)), g.role() == r ? 1 : 0);
            }
            w.gauge("kvkit_raft_group_leader", "The leader's node id as the member knows it, 0 if none.", l, g.leader());
            w.gauge("kvkit_raft_group_commit_index", "The member's commit index.", l, g.commitIndex());
            w.gauge("kvkit_raft_group_applied_index", "The index its state machine has applied.", l, g.appliedIndex());
            w.gauge("kvkit_raft_group_last_index", "The last index in its log.", l, g.lastIndex());
            w.gauge("kvkit_raft_group_apply_lag_entries", "Entries in its log not yet applied (last index - applied index).", l,
                    Math.max(0, g.lastIndex() - g.appliedIndex()));
            w.gauge("kvkit_raft_group_quiesced", "1 if the group is idle and not ticking on this node.", l, g.quiesced() ? 1 : 0);
        });
    }
}
