package io.kvkit.raft;

import java.util.List;
import java.util.Objects;

/**
 * A Raft message. Immutable, and flat so that the transport can encode it field by field.
 *
 * @param type       kind of message
 * @param from       sender node id
 * @param to         receiver node id
 * @param term       sender's term (0 for local messages and proposals)
 * @param logTerm    APPEND: term of the entry at {@code index}; VOTE: candidate's last term;
 *                   APPEND_RESPONSE reject: the follower's term at {@code rejectHint}
 * @param index      APPEND: index preceding {@code entries}; APPEND_RESPONSE: highest index
 *                   matched or rejected; VOTE: candidate's last index; READ_INDEX_RESPONSE:
 *                   the read index
 * @param entries    entries carried (APPEND, PROPOSE)
 * @param commit     the leader's commit index (APPEND, HEARTBEAT)
 * @param snapshot   the snapshot (SNAPSHOT), else null
 * @param reject     whether the request was refused; on READ_INDEX: the leader must confirm
 *                   with a heartbeat round even if it holds a lease
 * @param rejectHint APPEND_RESPONSE reject: the index the follower suggests probing at
 * @param context    request context: read-request id (READ_INDEX*), heartbeat round
 *                   (HEARTBEAT*), or 1 for a campaign forced by leadership transfer (VOTE*)
 */
public record Message(MessageType type, long from, long to, long term, long logTerm, long index,
                      List<Entry> entries, long commit, Snapshot snapshot, boolean reject,
                      long rejectHint, long context) {

    public Message {
        Objects.requireNonNull(type, "type");
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    public static Builder of(MessageType type) {
        return new Builder(type);
    }

    public Builder toBuilder() {
        return new Builder(type).from(from).to(to).term(term).logTerm(logTerm).index(index)
                .entries(entries).commit(commit).snapshot(snapshot).reject(reject)
                .rejectHint(rejectHint).context(context);
    }

    /** Bytes of entry payload the message carries. */
    public long entryBytes() {
        long n = 0;
        for (Entry e : entries) {
            n += e.sizeBytes();
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(from).append("->").append(to).append(' ').append(type).append(" term:").append(term);
        switch (type) {
            case APPEND -> sb.append(" log:").append(logTerm).append('/').append(index).append(" commit:").append(commit)
                    .append(entries.isEmpty() ? "" : " entries:" + entries);
            case APPEND_RESPONSE -> {
                sb.append(" index:").append(index);
                if (reject) {
                    sb.append(" rejected (hint:").append(rejectHint).append(" logTerm:").append(logTerm).append(')');
                }
            }
            case VOTE, PRE_VOTE -> sb.append(" last:").append(logTerm).append('/').append(index)
                    .append(context == 1 ? " (transfer)" : "");
            case VOTE_RESPONSE, PRE_VOTE_RESPONSE -> sb.append(reject ? " rejected" : " granted");
            case HEARTBEAT -> sb.append(" commit:").append(commit).append(" round:").append(context);
            case HEARTBEAT_RESPONSE -> sb.append(" round:").append(context);
            case SNAPSHOT -> sb.append(' ').append(snapshot);
            case PROPOSE -> sb.append(" entries:").append(entries);
            case READ_INDEX -> sb.append(" ctx:").append(context).append(reject ? " no-lease" : "");
            case READ_INDEX_RESPONSE -> sb.append(" ctx:").append(context).append(" index:").append(index);
            case SNAPSHOT_STATUS -> sb.append(reject ? " failed" : " ok");
            default -> {
            }
        }
        return sb.toString();
    }

    /** Fluent construction; unset numeric fields are 0. */
    public static final class Builder {
        private final MessageType type;
        private long from;
        private long to;
        private long term;
        private long logTerm;
        private long index;
        private List<Entry> entries = List.of();
        private long commit;
        private Snapshot snapshot;
        private boolean reject;
        private long rejectHint;
        private long context;

        private Builder(MessageType type) {
            this.type = type;
        }

        public Builder from(long v) { this.from = v; return this; }
        public Builder to(long v) { this.to = v; return this; }
        public Builder term(long v) { this.term = v; return this; }
        public Builder logTerm(long v) { this.logTerm = v; return this; }
        public Builder index(long v) { this.index = v; return this; }
        public Builder entries(List<Entry> v) { this.entries = v; return this; }
        public Builder commit(long v) { this.commit = v; return this; }
        public Builder snapshot(Snapshot v) { this.snapshot = v; return this; }
        public Builder reject(boolean v) { this.reject = v; return this; }
        public Builder rejectHint(long v) { this.rejectHint = v; return this; }
        public Builder context(long v) { this.context = v; return this; }

        public Message build() {
            return new Message(type, from, to, term, logTerm, index, entries, commit, snapshot, reject, rejectHint, context);
        }
    }
}
