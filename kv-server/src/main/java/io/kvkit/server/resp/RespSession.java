package io.kvkit.server.resp;

import io.kvkit.client.proto.Session;

import java.security.SecureRandom;
import java.util.BitSet;
import java.util.TreeSet;

/**
 * The exactly-once session of one RESP connection (kvkit.proto's {@code Session}): a random
 * non-zero client id (replaced by a fresh session when a partition answers SESSION_EXPIRED to a
 * first attempt, see {@code RespCommands}), a seq per write command (a retry of the
 * command reuses it), {@code first_incomplete_seq} = the lowest seq not yet answered, and
 * {@code open} until the command's partition has answered this client id once (the partition
 * then knows the session; a partition that never answered needs {@code open} to create it).
 * Thread-safe: the connection's commands complete on several threads.
 */
final class RespSession {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long clientId;
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private final BitSet answeredPartitions = new BitSet();
    private long nextSeq = 1;

    RespSession(long clientId) {
        if (clientId == 0) {
            throw new IllegalArgumentException("client id 0 means 'no session'");
        }
        this.clientId = clientId;
    }

    static RespSession random() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return new RespSession(id);
    }

    long clientId() {
        return clientId;
    }

    /** A new write's seq, incomplete until {@link #end}. */
    synchronized long begin() {
        long seq = nextSeq++;
        outstanding.add(seq);
        return seq;
    }

    /** The write is answered (or given up): its seq is never sent again. */
    synchronized void end(long seq) {
        outstanding.remove(seq);
    }

    synchronized void answered(int partition) {
        answeredPartitions.set(partition);
    }

    synchronized Session toWire(long seq, int partition) {
        long floor = outstanding.isEmpty() ? nextSeq : outstanding.first();
        return Session.newBuilder().setClientId(clientId).setSeq(seq).setFirstIncompleteSeq(floor)
                .setOpen(!answeredPartitions.get(partition)).build();
    }
}
