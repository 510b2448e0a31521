package io.kvkit.bench.cluster;

/**
 * Disk used per entry over all the put points of one cluster: growth of all nodes' data
 * directories from just after start to just after the last put point, over the puts committed.
 * Counts every replica (a 3-node cluster stores each entry 3 times); per-node figures are the
 * totals over the node count.
 *
 * @param entries                 puts committed (warm-ups included)
 * @param allocatedBytesGrowth    growth of du's allocated bytes, all nodes
 * @param apparentBytesGrowth     growth of the sum of file sizes, all nodes
 * @param allocatedBytesPerEntry  allocatedBytesGrowth / entries
 * @param apparentBytesPerEntry   apparentBytesGrowth / entries
 */
public record StorageResult(int groups, int nodes, long entries, long allocatedBytesGrowth, long apparentBytesGrowth,
                            double allocatedBytesPerEntry, double apparentBytesPerEntry, String caveat) {

    static StorageResult of(int groups, int nodes, long entries, long allocatedGrowth, long apparentGrowth, String caveat) {
        return new StorageResult(groups, nodes, entries, allocatedGrowth, apparentGrowth,
                entries > 0 ? (double) allocatedGrowth / entries : -1, entries > 0 ? (double) apparentGrowth / entries : -1, caveat);
    }
}
