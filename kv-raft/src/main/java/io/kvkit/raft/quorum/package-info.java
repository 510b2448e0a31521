/**
 * Quorum arithmetic, free of any protocol state: which index a majority (or a joint pair of
 * majorities) has acknowledged, and whether an election is won, lost or still open.
 */
package io.kvkit.raft.quorum;
