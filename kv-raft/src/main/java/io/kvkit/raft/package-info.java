/**
 * Raft consensus for one group, as a pure, deterministic, single-threaded state machine
 * ({@link io.kvkit.raft.RaftCore}) that a host drives. The core does no I/O, starts no thread and
 * reads no clock: time enters as {@link io.kvkit.raft.RaftCore#tick() ticks}, randomness from the
 * seed in {@link io.kvkit.raft.RaftOptions#randomSeed()}.
 *
 * <h2>The host's contract</h2>
 * The host feeds inputs (ticks, received messages, proposals, read requests) and then, while
 * {@link io.kvkit.raft.RaftCore#hasReady()}, takes a {@link io.kvkit.raft.Ready} and carries it out
 * in this order:
 * <ol>
 *   <li><b>send</b> {@link io.kvkit.raft.Ready#messages()}: these never promise anything about
 *       the local disk (the leader's APPEND, HEARTBEAT and SNAPSHOT messages, pre-votes,
 *       forwarded proposals), so they may leave before or while the writes below happen —
 *       this is how the leader's own log write proceeds in parallel with replication (Raft
 *       thesis §10.2.1). The leader counts itself towards a commit only after step 5;</li>
 *   <li><b>persist</b> {@link io.kvkit.raft.Ready#snapshot()}, then
 *       {@link io.kvkit.raft.Ready#entries()} (truncating any conflicting suffix), then
 *       {@link io.kvkit.raft.Ready#hardState()}, and make them durable (fsync);</li>
 *   <li><b>send</b> {@link io.kvkit.raft.Ready#messagesAfterPersist()}: votes, vote requests and
 *       acknowledgements promise the term, vote and entries just persisted (PITFALLS #6);</li>
 *   <li><b>apply</b> the snapshot, then {@link io.kvkit.raft.Ready#committedEntries()} (always
 *       already durable locally: PITFALLS #5), and answer
 *       {@link io.kvkit.raft.Ready#readStates()} once the applied index reaches theirs. When the
 *       Ready carries no snapshot, applying may start before step 2 (the entries are durable
 *       already; only the raised commit index in the hard state is not, and a restart takes the
 *       commit index to be at least the applied index the state machine reports);</li>
 *   <li><b>advance</b>: {@link io.kvkit.raft.RaftCore#advance(io.kvkit.raft.Ready)}. Only then may
 *       new input be given; the core throws if it is given input while a Ready is outstanding.</li>
 * </ol>
 * The core asserts (with {@code -ea}) that every committed entry it hands out is durable and
 * committed; {@code advance} checks that it gets the Ready it handed out.
 *
 * <h2>Guarantees</h2>
 * Election safety (at most one leader per term), log matching, leader completeness and state
 * machine safety, given that hosts follow the contract above and storage keeps what it synced.
 * Reads through {@link io.kvkit.raft.ReadOnlyMode#SAFE ReadIndex} are linearizable with no clock
 * assumption; {@link io.kvkit.raft.ReadOnlyMode#LEASE_BASED lease reads} additionally assume that
 * the tick rates of any two nodes differ by less than
 * {@code leaseClockDriftMarginTicks / electionTimeoutTicks} and that the host delivers ticks from
 * a monotonic clock (after a pause it delivers the ticks it missed before serving a read).
 */
package io.kvkit.raft;
