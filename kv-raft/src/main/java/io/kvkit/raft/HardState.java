package io.kvkit.raft;

/**
 * The state that must be durable before a vote or an append acknowledgement leaves the node.
 *
 * @param term   the latest term this node has seen
 * @param vote   the candidate voted for in {@code term}, or {@link RaftCore#NONE}
 * @param commit the highest index known committed
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public HardState {
        if (term < 0 || vote < 0 || commit < 0) {
            throw new IllegalArgumentException("hard state fields must be >= 0: " + term + "/" + vote + "/" + commit);
        }
    }

    public boolean isEmpty() {
        return this.equals(EMPTY);
    }

    @Override
    public String toString() {
        return "HardState{term:" + term + " vote:" + vote + " commit:" + commit + "}";
    }
}
