package io.kvkit.raft.quorum;

/** Tells the highest index a voter has acknowledged; 0 if it has acknowledged nothing. */
@FunctionalInterface
public interface AckedIndexer {
    long ackedIndex(long voterId);
}
