package io.kvkit.raft.runtime;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The 16 bytes the runtime puts in front of every command it proposes, so that the node that
 * proposed it can match the committed entry to the waiting future: proposer node id (u64,
 * big-endian) then proposal id (u64). Proposal ids of one node start at a random value per
 * {@link RaftNode} instance, so that entries proposed before a restart (and applied after it)
 * never match a new proposal.
 */
final class ProposalHeader {
    static final int BYTES = 16;

    private ProposalHeader() {
    }

    static byte[] wrap(long proposer, long proposalId, byte[] command) {
        byte[] out = new byte[BYTES + command.length];
        ByteBuffer.wrap(out).putLong(proposer).putLong(proposalId).put(command);
        return out;
    }

    static long proposer(byte[] data) {
        check(data);
        return ByteBuffer.wrap(data).getLong(0);
    }

    static long proposalId(byte[] data) {
        check(data);
        return ByteBuffer.wrap(data).getLong(8);
    }

    static byte[] command(byte[] data) {
        check(data);
        return Arrays.copyOfRange(data, BYTES, data.length);
    }

    private static void check(byte[] data) {
        if (data.length < BYTES) {
            throw new IllegalStateException("a command entry of " + data.length + " bytes lacks the " + BYTES
                    + "-byte proposal header: the log holds an entry not proposed through RaftGroup.propose");
        }
    }
}
