package io.kvkit.client;

import io.kvkit.client.proto.Session;

import java.security.SecureRandom;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client side of exactly-once: a random client id, the sequence numbers handed to
 * commands, the ones still waited for (their minimum is sent as {@code first_incomplete_seq},
 * letting servers forget the replies below it), and the partitions that have answered this
 * client id (so later commands there stop saying {@code open}). Replaced by a fresh session when
 * a server says SESSION_EXPIRED.
 */
final class ClientSession {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long clientId;
    private final TreeSet<Long> outstanding = new TreeSet<>(); // guarded by this
    private final Set<Integer> answeredPartitions = ConcurrentHashMap.newKeySet();
    private long nextSeq = 1; // guarded by this

    ClientSession(long clientId) {
        if (clientId == 0) {
            throw new IllegalArgumentException("client id 0 is reserved for 'no session'");
        }
        this.clientId = clientId;
    }

    static ClientSession random() {
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return new ClientSession(id);
    }

    long clientId() {
        return clientId;
    }

    /** A new command's seq; it counts as incomplete until {@link #end}. */
    synchronized long begin() {
        long seq = nextSeq++;
        outstanding.add(seq);
        return seq;
    }

    /** The command is answered or given up: it will never be sent again. */
    synchronized void end(long seq) {
        outstanding.remove(seq);
    }

    synchronized long firstIncompleteSeq() {
        return outstanding.isEmpty() ? nextSeq : outstanding.first();
    }

    /** {@code partition} has answered a command of this session: it knows the session now. */
    void answered(int partition) {
        answeredPartitions.add(partition);
    }

    Session toWire(long seq, int partition) {
        return Session.newBuilder().setClientId(clientId).setSeq(seq).setFirstIncompleteSeq(firstIncompleteSeq())
                .setOpen(!answeredPartitions.contains(partition)).build();
    }
}
