package io.kvkit.ring;

/**
 * Every setting of kv-ring, with its default and its unit in its name.
 *
 * <p>The first four are ring parameters: they are stored in the ring value (and its
 * serialization), so every holder of a ring derives the same placement from it. The rest tune
 * the {@link LoadBalancer}.
 *
 * @param partitionCount                  Q, a power of two in [1, 2^20]; default 64. Fixed for
 *                                        the cluster's life: a key's partition is the top log2(Q)
 *                                        bits of its hash.
 * @param replicationFactor               R, replicas per partition, in [1, 7]; default 3
 * @param zoneAware                       when true no two replicas of a partition share a zone;
 *                                        default false
 * @param tokensPerStandardWeight         tokens (virtual nodes) of a node of weight 100; a node of
 *                                        weight w gets max(1, round(this * w / 100)); default 16
 * @param loadBalanceMaxOverMean          the load balancer stops when max/mean node load (per
 *                                        unit of weight) is at or below this; default 1.10
 * @param loadBalanceMaxLeaderTransfersPerStep leader transfers proposed per planning step; default 32
 * @param loadBalanceMaxReplicaMovesPerStep    replica moves proposed per planning step; default 8
 * @param followerOpsCostFraction         share of a partition's ops/s a follower pays (it applies
 *                                        the writes; the leader serves all requests); default 0.25
 */
public record RingOptions(
        int partitionCount,
        int replicationFactor,
        boolean zoneAware,
        int tokensPerStandardWeight,
        double loadBalanceMaxOverMean,
        int loadBalanceMaxLeaderTransfersPerStep,
        int loadBalanceMaxReplicaMovesPerStep,
        double followerOpsCostFraction) {

    public static final int MAX_PARTITION_COUNT = 1 << 20;
    public static final int MAX_REPLICATION_FACTOR = 7;
    public static final int MAX_TOKENS_PER_STANDARD_WEIGHT = 1024;

    public RingOptions {
        if (partitionCount < 1 || partitionCount > MAX_PARTITION_COUNT || Integer.bitCount(partitionCount) != 1) {
            throw new IllegalArgumentException("partitionCount must be a power of two in [1, " + MAX_PARTITION_COUNT
                    + "], got " + partitionCount);
        }
        if (replicationFactor < 1 || replicationFactor > MAX_REPLICATION_FACTOR) {
            throw new IllegalArgumentException("replicationFactor must be in [1, " + MAX_REPLICATION_FACTOR + "], got "
                    + replicationFactor);
        }
        if (tokensPerStandardWeight < 1 || tokensPerStandardWeight > MAX_TOKENS_PER_STANDARD_WEIGHT) {
            throw new IllegalArgumentException("tokensPerStandardWeight must be in [1, " + MAX_TOKENS_PER_STANDARD_WEIGHT
                    + "], got " + tokensPerStandardWeight);
        }
        if (!(loadBalanceMaxOverMean >= 1.0) || Double.isInfinite(loadBalanceMaxOverMean)) {
            throw new IllegalArgumentException("loadBalanceMaxOverMean must be a finite number >= 1.0, got "
                    + loadBalanceMaxOverMean);
        }
        if (loadBalanceMaxLeaderTransfersPerStep < 0 || loadBalanceMaxReplicaMovesPerStep < 0) {
            throw new IllegalArgumentException("load balancer step bounds must be >= 0, got leader transfers "
                    + loadBalanceMaxLeaderTransfersPerStep + ", replica moves " + loadBalanceMaxReplicaMovesPerStep);
        }
        if (!(followerOpsCostFraction >= 0.0 && followerOpsCostFraction <= 1.0)) {
            throw new IllegalArgumentException("followerOpsCostFraction must be in [0, 1], got " + followerOpsCostFraction);
        }
    }

    public static RingOptions defaults() {
        return new RingOptions(64, 3, false, 16, 1.10, 32, 8, 0.25);
    }

    public RingOptions withPartitionCount(int q) {
        return new RingOptions(q, replicationFactor, zoneAware, tokensPerStandardWeight, loadBalanceMaxOverMean,
                loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, followerOpsCostFraction);
    }

    public RingOptions withReplicationFactor(int r) {
        return new RingOptions(partitionCount, r, zoneAware, tokensPerStandardWeight, loadBalanceMaxOverMean,
                loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, followerOpsCostFraction);
    }

    public RingOptions withZoneAware(boolean z) {
        return new RingOptions(partitionCount, replicationFactor, z, tokensPerStandardWeight, loadBalanceMaxOverMean,
                loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, followerOpsCostFraction);
    }

    public RingOptions withTokensPerStandardWeight(int t) {
        return new RingOptions(partitionCount, replicationFactor, zoneAware, t, loadBalanceMaxOverMean,
                loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, followerOpsCostFraction);
    }

    public RingOptions withLoadBalanceMaxOverMean(double f) {
        return new RingOptions(partitionCount, replicationFactor, zoneAware, tokensPerStandardWeight, f,
                loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, followerOpsCostFraction);
    }

    public RingOptions withLoadBalanceStepBounds(int leaderTransfers, int replicaMoves) {
        return new RingOptions(partitionCount, replicationFactor, zoneAware, tokensPerStandardWeight,
                loadBalanceMaxOverMean, leaderTransfers, replicaMoves, followerOpsCostFraction);
    }

    public RingOptions withFollowerOpsCostFraction(double f) {
        return new RingOptions(partitionCount, replicationFactor, zoneAware, tokensPerStandardWeight,
                loadBalanceMaxOverMean, loadBalanceMaxLeaderTransfersPerStep, loadBalanceMaxReplicaMovesPerStep, f);
    }

    /** Tokens of a node of the given weight under these options. */
    public int tokenCountFor(int weight) {
        return tokenCount(tokensPerStandardWeight, weight);
    }

    static int tokenCount(int tokensPerStandardWeight, int weight) {
        return (int) Math.max(1L, Math.round((double) tokensPerStandardWeight * weight / RingNode.STANDARD_WEIGHT));
    }
}
