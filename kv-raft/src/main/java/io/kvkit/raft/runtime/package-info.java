/**
 * The multi-Raft runtime: {@link io.kvkit.raft.runtime.RaftNode} hosts many Raft groups on one
 * node over one {@link io.kvkit.raft.transport.Transport} and one
 * {@link io.kvkit.raft.storage.RaftLogStore}.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li><b>Workers</b> ({@code workerThreads}): each group is pinned to one worker by its id; only
 *       that worker touches the group's {@link io.kvkit.raft.RaftCore} and its log view, so
 *       neither needs a lock. A worker round: coalesced unreachable reports; the ticks due since
 *       the last round (from {@code System.nanoTime()}); the inputs of every group that has some;
 *       then the Readies of all groups touched, carried out together in the order of the
 *       {@code io.kvkit.raft} package contract with <b>one</b> {@code RaftLogStore.sync()} for all
 *       of them.</li>
 *   <li><b>Apply threads</b> ({@code applyThreads}): committed entries of a group are applied
 *       in log order, one task at a time, by {@link io.kvkit.raft.runtime.ApplyQueue}; the core is
 *       advanced when they are handed over, not when they are applied.</li>
 *   <li><b>Transport threads</b> only hand off: a message goes to its group's inbox.</li>
 * </ul>
 *
 * <h2>Hand-offs between threads</h2>
 * Each in a small class of its own: {@link io.kvkit.raft.runtime.ProposalQueue} (clients to
 * worker, bounded by proposals in flight), {@link io.kvkit.raft.runtime.ReadIndexBatcher}
 * (clients to worker; one read index per round for all reads), {@link
 * io.kvkit.raft.runtime.ApplyQueue} (worker to apply pool, FIFO per group),
 * {@link io.kvkit.raft.runtime.AppliedIndexWaiters} (apply thread releases reads waiting on the
 * applied index).
 */
package io.kvkit.raft.runtime;
