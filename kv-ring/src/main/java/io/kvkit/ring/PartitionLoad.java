package io.kvkit.ring;

/**
 * Measured load of one partition.
 *
 * @param opsPerSecond client operations per second served for the partition (by its leader)
 * @param bytes        bytes the partition stores on each of its replicas
 */
public record PartitionLoad(double opsPerSecond, long bytes) {
    public PartitionLoad {
        if (!(opsPerSecond >= 0) || Double.isInfinite(opsPerSecond)) {
            throw new IllegalArgumentException("opsPerSecond must be finite and >= 0, got " + opsPerSecond);
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        }
    }
}
