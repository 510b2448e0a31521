package io.kvkit.raft;

/**
 * The answer to a read request: once the local state machine has applied {@code index}, a read
 * served from it is linearizable (for lease reads: under the lease's clock assumption).
 *
 * @param index   the read index
 * @param context the caller's request id, as given to {@link RaftCore#readIndex(long)}
 */
public record ReadState(long index, long context) {
}
