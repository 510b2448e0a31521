package io.kvkit.raft.runtime;

import io.kvkit.raft.RaftOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * Every setting of a {@link RaftNode}, with its default and unit in its name.
 *
 * @param nodeId                      this node's id (&gt; 0, never reused)
 * @param raftOptions                 template for every group's core: election and heartbeat ticks,
 *                                    read mode, flow control. Its node id is replaced by
 *                                    {@code nodeId} and its random seed mixed with the group id, so
 *                                    groups do not time out in lockstep. Default
 *                                    {@code RaftOptions.defaults(nodeId)}
 * @param tickInterval                one Raft tick; default 100 ms (so an election timeout of 10 ticks
 *                                    is 1–2 s)
 * @param maxCatchUpTicks             after a pause (GC, SIGSTOP, an overloaded machine) a worker
 *                                    delivers the ticks it missed, at most this many at once; default
 *                                    2 x electionTimeoutTicks, enough for every timer to fire, so
 *                                    the cap never lets a lease outlive a pause
 * @param workerThreads               threads driving cores; each group is pinned to one;
 *                                    default min(4, cores)
 * @param applyThreads                threads applying committed entries; default min(4, cores)
 * @param maxPendingProposalsPerGroup proposals accepted but not yet completed, per group; more are
 *                                    refused with {@link ProposalQueueFullException}; default 4096
 * @param maxInboxMessagesPerGroup    received messages waiting for a group's worker; more are
 *                                    dropped (Raft retransmits) and counted; default 10,000
 * @param followerReadMaxLagEntries   a FOLLOWER read fails fast when the local state machine is
 *                                    more than this many entries behind the read index; default 1,000
 * @param snapshotEveryEntries        snapshot the state machine and compact the log after this many
 *                                    applied entries; 0 = never; default 10,000
 * @param requestTimeout              reads, forwarded proposals and leadership transfers fail after
 *                                    this long; default 10 s
 * @param forwardProposals            a follower forwards proposals to its leader instead of
 *                                    refusing them with {@link NotLeaderException}; default false
 * @param maxEventsPerRound           inputs a worker takes from one group per round, so that one busy
 *                                    group cannot starve the others; default 1,024
 * @param quiesceAfterIdleTicks       a leader whose followers are all caught up, with nothing pending,
 *                                    for this many ticks, quiesces the group: no ticks, no heartbeats
 *                                    on any member until a message, proposal or read wakes it;
 *                                    0 = never; default 20
 * @param livenessIntervalTicks       every this many ticks the node sends one small message to every
 *                                    peer node (group 0), so that quiesced groups notice a dead
 *                                    leader; default 2
 * @param livenessTimeoutTicks        a peer node not heard from for this many ticks is presumed dead:
 *                                    every quiesced group it leads here wakes up and can elect a new
 *                                    leader; default 10 (elections in quiesced groups start up to
 *                                    this much later than in active ones)
 * @param maxApplyBacklogBytes        command bytes a group may have handed to its apply stage and not
 *                                    yet applied; beyond it the worker hands over no more committed
 *                                    entries (replication goes on) until the state machine catches up;
 *                                    default 64 MiB
 */
public record RaftNodeConfig(long nodeId, RaftOptions raftOptions, Duration tickInterval, int maxCatchUpTicks,
                             int workerThreads, int applyThreads, int maxPendingProposalsPerGroup,
                             int maxInboxMessagesPerGroup, long followerReadMaxLagEntries,
                             long snapshotEveryEntries, Duration requestTimeout, boolean forwardProposals,
                             int maxEventsPerRound, int quiesceAfterIdleTicks, int livenessIntervalTicks,
                             int livenessTimeoutTicks, long maxApplyBacklogBytes) {

    public RaftNodeConfig {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be > 0, got " + nodeId);
        }
        Objects.requireNonNull(raftOptions, "raftOptions");
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (tickInterval.toNanos() < 1_000_000 || tickInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("tickInterval must be within [1 ms, 10 s], got " + tickInterval);
        }
        if (maxCatchUpTicks < 1) {
            throw new IllegalArgumentException("maxCatchUpTicks must be >= 1, got " + maxCatchUpTicks);
        }
        if (workerThreads < 1 || workerThreads > 256) {
            throw new IllegalArgumentException("workerThreads must be within [1, 256], got " + workerThreads);
        }
        if (applyThreads < 1 || applyThreads > 256) {
            throw new IllegalArgumentException("applyThreads must be within [1, 256], got " + applyThreads);
        }
        if (maxPendingProposalsPerGroup < 1) {
            throw new IllegalArgumentException("maxPendingProposalsPerGroup must be >= 1, got " + maxPendingProposalsPerGroup);
        }
        if (maxInboxMessagesPerGroup < 16) {
            throw new IllegalArgumentException("maxInboxMessagesPerGroup must be >= 16, got " + maxInboxMessagesPerGroup);
        }
        if (followerReadMaxLagEntries < 0) {
            throw new IllegalArgumentException("followerReadMaxLagEntries must be >= 0, got " + followerReadMaxLagEntries);
        }
        if (snapshotEveryEntries < 0) {
            throw new IllegalArgumentException("snapshotEveryEntries must be >= 0 (0 = never), got " + snapshotEveryEntries);
        }
        if (requestTimeout.compareTo(tickInterval) < 0) {
            throw new IllegalArgumentException("requestTimeout (" + requestTimeout + ") must be >= tickInterval ("
                    + tickInterval + ")");
        }
        if (maxEventsPerRound < 1) {
            throw new IllegalArgumentException("maxEventsPerRound must be >= 1, got " + maxEventsPerRound);
        }
        if (quiesceAfterIdleTicks < 0) {
            throw new IllegalArgumentException("quiesceAfterIdleTicks must be >= 0 (0 = never quiesce), got "
                    + quiesceAfterIdleTicks);
        }
        if (livenessIntervalTicks < 1) {
            throw new IllegalArgumentException("livenessIntervalTicks must be >= 1, got " + livenessIntervalTicks);
        }
        if (maxApplyBacklogBytes < 1) {
            throw new IllegalArgumentException("maxApplyBacklogBytes must be >= 1, got " + maxApplyBacklogBytes);
        }
        if (livenessTimeoutTicks <= livenessIntervalTicks) {
            throw new IllegalArgumentException("livenessTimeoutTicks (" + livenessTimeoutTicks
                    + ") must be > livenessIntervalTicks (" + livenessIntervalTicks + ")");
        }
        raftOptions = raftOptions.nodeId() == nodeId ? raftOptions
                : rebind(raftOptions, nodeId);
    }

    private static RaftOptions rebind(RaftOptions o, long nodeId) {
        return new RaftOptions(nodeId, o.electionTimeoutTicks(), o.heartbeatIntervalTicks(), o.preVote(),
                o.checkQuorum(), o.readOnlyMode(), o.leaseClockDriftMarginTicks(), o.maxMessageBytes(),
                o.maxInflightMessages(), o.maxInflightBytes(), o.maxUncommittedEntriesBytes(),
                o.maxCommittedBytesPerReady(), o.stepDownOnRemoval(), o.disableProposalForwarding(), o.randomSeed());
    }

    /** Defaults for node {@code nodeId}. */
    public static RaftNodeConfig defaults(long nodeId) {
        int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
        RaftOptions opts = RaftOptions.defaults(nodeId);
        return new RaftNodeConfig(nodeId, opts, Duration.ofMillis(100), 2 * opts.electionTimeoutTicks(),
                threads, threads, 4096, 10_000, 1_000, 10_000, Duration.ofSeconds(10), false, 1_024, 20, 2, 10,
                64L << 20);
    }

    /** {@link #requestTimeout} in ticks, at least 1. */
    public long requestTimeoutTicks() {
        return Math.max(1, requestTimeout.toNanos() / tickInterval.toNanos());
    }

    public RaftNodeConfig withRaftOptions(RaftOptions v) {
        return new RaftNodeConfig(nodeId, v, tickInterval, Math.max(maxCatchUpTicks, 2 * v.electionTimeoutTicks()), workerThreads,
                applyThreads, maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks,
                livenessIntervalTicks, livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withTickInterval(Duration v) {
        return new RaftNodeConfig(nodeId, raftOptions, v, maxCatchUpTicks, workerThreads, applyThreads, maxPendingProposalsPerGroup,
                maxInboxMessagesPerGroup, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withMaxCatchUpTicks(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, v, workerThreads, applyThreads, maxPendingProposalsPerGroup,
                maxInboxMessagesPerGroup, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withWorkerThreads(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, v, applyThreads, maxPendingProposalsPerGroup,
                maxInboxMessagesPerGroup, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withApplyThreads(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, v, maxPendingProposalsPerGroup,
                maxInboxMessagesPerGroup, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withMaxPendingProposalsPerGroup(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads, v,
                maxInboxMessagesPerGroup, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withMaxInboxMessagesPerGroup(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, v, followerReadMaxLagEntries, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withFollowerReadMaxLagEntries(long v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, v, snapshotEveryEntries, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withSnapshotEveryEntries(long v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries, v, requestTimeout,
                forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withRequestTimeout(Duration v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, v, forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks,
                livenessIntervalTicks, livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withForwardProposals(boolean v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, v, maxEventsPerRound, quiesceAfterIdleTicks,
                livenessIntervalTicks, livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withMaxEventsPerRound(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, v, quiesceAfterIdleTicks,
                livenessIntervalTicks, livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withQuiesceAfterIdleTicks(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, maxEventsPerRound, v, livenessIntervalTicks,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withLivenessIntervalTicks(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks, v,
                livenessTimeoutTicks, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withLivenessTimeoutTicks(int v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks,
                livenessIntervalTicks, v, maxApplyBacklogBytes);
    }

    public RaftNodeConfig withMaxApplyBacklogBytes(long v) {
        return new RaftNodeConfig(nodeId, raftOptions, tickInterval, maxCatchUpTicks, workerThreads, applyThreads,
                maxPendingProposalsPerGroup, maxInboxMessagesPerGroup, followerReadMaxLagEntries,
                snapshotEveryEntries, requestTimeout, forwardProposals, maxEventsPerRound, quiesceAfterIdleTicks,
                livenessIntervalTicks, livenessTimeoutTicks, v);
    }
}
