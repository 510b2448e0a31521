package io.kvkit.raft.storage;

import java.io.Closeable;
import java.util.Set;

/**
 * The Raft logs of every group hosted by one node. It exists for one reason: durability is
 * shared. A multi-Raft runtime writes the Readies of many groups and then calls {@link #sync()}
 * once, so N active groups cost one fsync per round, not N.
 *
 * <p>The per-group {@link RaftLogStorage} views it hands out follow their own contract, except
 * that their {@code sync()} may make other groups' writes durable too (it is this store's
 * {@code sync()}). Views stay valid until {@link #delete} of their group or {@link #close()}.
 */
public interface RaftLogStore extends Closeable {

    /** The log of {@code groupId}, created empty (no snapshot, no entries) if it has none yet. */
    RaftLogStorage open(long groupId);

    /** Ids of the groups that have a log here: what a restarting node brings back up. */
    Set<Long> groupIds();

    /**
     * Where this node's file-backed snapshots live (beside the logs, deleted with a group's log),
     * or null if this store keeps none: then only state machines that snapshot to a byte array
     * can run on it.
     */
    default FileSnapshotStore fileSnapshots() {
        return null;
    }

    /** Removes a group's log and snapshots for good (its replica left this node). */
    void delete(long groupId);

    /**
     * Makes every write made so far, to every group's log, durable. Thread-safe; concurrent
     * callers share fsyncs (group commit). A failed sync is never retried: the store stays
     * failed and every later call throws.
     */
    void sync();

    /** Releases files; views must not be used afterwards. */
    @Override
    void close();
}
