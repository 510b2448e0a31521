package io.kvkit.server.node;

import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.ProposalDroppedException;
import io.kvkit.raft.runtime.FollowerLaggingException;
import io.kvkit.raft.runtime.NotLeaderException;
import io.kvkit.raft.runtime.ProposalOutcomeUnknownException;
import io.kvkit.raft.runtime.ProposalQueueFullException;
import io.kvkit.raft.runtime.RaftGroupClosedException;
import io.kvkit.raft.runtime.RaftTimeoutException;
import io.kvkit.server.endpoint.PeerUnavailableException;
import io.kvkit.server.partition.PartitionReadException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How a failure inside the node becomes a status the client can act on. The distinction that
 * matters is whether a write may have happened: NOT_LEADER and a dropped proposal mean nothing
 * was done (the client may retry anywhere), TIMEOUT and UNAVAILABLE mean it may have been.
 */
final class FailureStatus {
    private FailureStatus() {
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The leader hint a failure carries: &gt; 0 if it says another node leads, 0 if it knows none, -1 if it is not about leadership. */
    static long leaderHint(Throwable failure) {
        return switch (unwrap(failure)) {
            case NotLeaderException e -> e.leaderHint();
            case FollowerLaggingException e -> e.leaderHint();
            case ProposalDroppedException e -> 0;
            default -> -1;
        };
    }

    static Status of(Throwable failure) {
        Throwable t = unwrap(failure);
        return switch (t) {
            case PartitionReadException e -> status(e.code(), e.getMessage());
            case NotLeaderException e -> Status.newBuilder().setCode(StatusCode.NOT_LEADER).setMessage(e.getMessage())
                    .setLeaderNodeId(Math.max(0, e.leaderHint())).build();
            case ProposalDroppedException e -> status(StatusCode.NOT_LEADER, "the proposal was refused (not applied): " + e.getMessage());
            case FollowerLaggingException e -> Status.newBuilder().setCode(StatusCode.NOT_LEADER).setMessage(e.getMessage())
                    .setLeaderNodeId(Math.max(0, e.leaderHint())).build();
            case RaftTimeoutException e -> status(StatusCode.TIMEOUT, e.getMessage() + " (a write may still apply)");
            case ProposalOutcomeUnknownException e -> status(StatusCode.UNAVAILABLE, e.getMessage() + " (a write may have applied)");
            case ProposalQueueFullException e -> status(StatusCode.UNAVAILABLE, "the partition is overloaded: " + e.getMessage());
            case RaftGroupClosedException e -> status(StatusCode.UNAVAILABLE, e.getMessage());
            case PeerUnavailableException e -> status(StatusCode.UNAVAILABLE, e.getMessage() + " (a forwarded write may have applied)");
            case java.util.concurrent.TimeoutException e -> status(StatusCode.TIMEOUT, "no answer in time (a write may still apply)");
            default -> status(StatusCode.INTERNAL, t.toString());
        };
    }

    static Status status(StatusCode code, String message) {
        return Status.newBuilder().setCode(code).setMessage(message == null ? "" : message).build();
    }
}
