package io.kvkit.ring;

import java.util.List;

/**
 * One bounded step of load balancing: leader transfers first (cheap, no data moves), then replica
 * moves (the new ring and its move plan; the ring is unchanged when there are none), with the
 * max/mean node load per unit of weight before and as predicted after, for ops/s and bytes.
 *
 * @param balanced true when the predicted loads are within the configured factor in both dimensions
 */
public record LoadBalancePlan(
        List<LeaderTransfer> leaderTransfers,
        RingChange replicaMoves,
        double opsMaxOverMeanBefore,
        double opsMaxOverMeanAfter,
        double bytesMaxOverMeanBefore,
        double bytesMaxOverMeanAfter,
        boolean balanced,
        int[] leaderNodeIdAfter) {

    public LoadBalancePlan {
        leaderTransfers = List.copyOf(leaderTransfers);
    }
}
