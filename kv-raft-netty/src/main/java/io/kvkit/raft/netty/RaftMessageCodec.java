package io.kvkit.raft.netty;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.netty.proto.EntryKind;
import io.kvkit.raft.netty.proto.MessageKind;
import io.kvkit.raft.netty.proto.RaftEntry;
import io.kvkit.raft.netty.proto.RaftMessage;
import io.kvkit.raft.netty.proto.RaftSnapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * Converts kv-raft {@link Message}s to and from their protobuf form ({@code raft.proto}).
 * Every field of {@code Message} is carried; the message kinds that never leave a node
 * ({@link MessageType#isLocal()}) are refused.
 *
 * <p>Entry and snapshot payloads are wrapped, not copied, on the way out
 * ({@link UnsafeByteOperations#unsafeWrap}): kv-raft never mutates an entry's data once created.
 */
public final class RaftMessageCodec {

    private RaftMessageCodec() {
    }

    /** The wire form of {@code m}, tagged with the Raft group it belongs to. */
    public static RaftMessage encode(long groupId, Message m) {
        RaftMessage.Builder b = RaftMessage.newBuilder()
                .setGroupId(groupId)
                .setType(kindOf(m.type()))
                .setFrom(m.from())
                .setTo(m.to())
                .setTerm(m.term())
                .setLogTerm(m.logTerm())
                .setIndex(m.index())
                .setCommit(m.commit())
                .setReject(m.reject())
                .setRejectHint(m.rejectHint())
                .setContext(m.context());
        for (Entry e : m.entries()) {
            b.addEntries(RaftEntry.newBuilder()
                    .setTerm(e.term())
                    .setIndex(e.index())
                    .setType(e.type() == EntryType.CONF_CHANGE ? EntryKind.ENTRY_KIND_CONF_CHANGE : EntryKind.ENTRY_KIND_NORMAL)
                    .setData(wrap(e.data())));
        }
        Snapshot s = m.snapshot();
        if (s != null) {
            b.setSnapshot(RaftSnapshot.newBuilder()
                    .setIndex(s.index())
                    .setTerm(s.term())
                    .addAllVoters(s.confState().voters())
                    .addAllLearners(s.confState().learners())
                    .setData(wrap(s.data())));
        }
        return b.build();
    }

    /**
     * The kv-raft message that {@code w} carries.
     *
     * @throws IllegalArgumentException if {@code w} names an unknown message or entry kind, or
     *                                  carries values kv-raft refuses (negative term or index)
     */
    public static Message decode(RaftMessage w) {
        List<Entry> entries = new ArrayList<>(w.getEntriesCount());
        for (RaftEntry e : w.getEntriesList()) {
            EntryType type = switch (e.getType()) {
                case ENTRY_KIND_NORMAL -> EntryType.NORMAL;
                case ENTRY_KIND_CONF_CHANGE -> EntryType.CONF_CHANGE;
                default -> throw new IllegalArgumentException("unknown entry kind number " + e.getTypeValue()
                        + " in group " + w.getGroupId() + "; allowed: 0 (normal), 1 (conf change)");
            };
            entries.add(new Entry(e.getTerm(), e.getIndex(), type, e.getData().toByteArray()));
        }
        Snapshot snapshot = null;
        if (w.hasSnapshot()) {
            RaftSnapshot s = w.getSnapshot();
            snapshot = new Snapshot(s.getIndex(), s.getTerm(),
                    new ConfState(s.getVotersList(), s.getLearnersList()), s.getData().toByteArray());
        }
        return new Message(typeOf(w), w.getFrom(), w.getTo(), w.getTerm(), w.getLogTerm(), w.getIndex(),
                entries, w.getCommit(), snapshot, w.getReject(), w.getRejectHint(), w.getContext());
    }

    private static ByteString wrap(byte[] data) {
        return data.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(data);
    }

    static MessageKind kindOf(MessageType t) {
        return switch (t) {
            case PROPOSE -> MessageKind.PROPOSE;
            case APPEND -> MessageKind.APPEND;
            case APPEND_RESPONSE -> MessageKind.APPEND_RESPONSE;
            case VOTE -> MessageKind.VOTE;
            case VOTE_RESPONSE -> MessageKind.VOTE_RESPONSE;
            case PRE_VOTE -> MessageKind.PRE_VOTE;
            case PRE_VOTE_RESPONSE -> MessageKind.PRE_VOTE_RESPONSE;
            case SNAPSHOT -> MessageKind.SNAPSHOT;
            case HEARTBEAT -> MessageKind.HEARTBEAT;
            case HEARTBEAT_RESPONSE -> MessageKind.HEARTBEAT_RESPONSE;
            case TRANSFER_LEADER -> MessageKind.TRANSFER_LEADER;
            case TIMEOUT_NOW -> MessageKind.TIMEOUT_NOW;
            case READ_INDEX -> MessageKind.READ_INDEX;
            case READ_INDEX_RESPONSE -> MessageKind.READ_INDEX_RESPONSE;
            case LOCAL_HUP, LOCAL_BEAT, LOCAL_CHECK_QUORUM, UNREACHABLE, SNAPSHOT_STATUS ->
                    throw new IllegalArgumentException("message kind " + t
                            + " is local to a node and never crosses the network; only the other kinds can be sent");
        };
    }

    private static MessageType typeOf(RaftMessage w) {
        return switch (w.getType()) {
            case PROPOSE -> MessageType.PROPOSE;
            case APPEND -> MessageType.APPEND;
            case APPEND_RESPONSE -> MessageType.APPEND_RESPONSE;
            case VOTE -> MessageType.VOTE;
            case VOTE_RESPONSE -> MessageType.VOTE_RESPONSE;
            case PRE_VOTE -> MessageType.PRE_VOTE;
            case PRE_VOTE_RESPONSE -> MessageType.PRE_VOTE_RESPONSE;
            case SNAPSHOT -> MessageType.SNAPSHOT;
            case HEARTBEAT -> MessageType.HEARTBEAT;
            case HEARTBEAT_RESPONSE -> MessageType.HEARTBEAT_RESPONSE;
            case TRANSFER_LEADER -> MessageType.TRANSFER_LEADER;
            case TIMEOUT_NOW -> MessageType.TIMEOUT_NOW;
            case READ_INDEX -> MessageType.READ_INDEX;
            case READ_INDEX_RESPONSE -> MessageType.READ_INDEX_RESPONSE;
            case MESSAGE_KIND_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException(
                    "unknown message kind number " + w.getTypeValue() + " in group " + w.getGroupId()
                            + "; allowed: 1.." + (MessageKind.values().length - 2) + " (see raft.proto MessageKind)");
        };
    }
}
