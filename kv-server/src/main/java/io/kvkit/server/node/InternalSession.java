package io.kvkit.server.node;

import io.kvkit.client.proto.Session;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client session of writes the node makes on its own behalf (pushing a table's creation or
 * drop to every partition): the partitions' exactly-once tables treat it as one more client.
 * Each command tells them the lowest sequence number still in flight, so they forget the
 * replies of everything before it, as a well-behaved client does.
 */
final class InternalSession {
    private final long clientId;
    private final AtomicLong seq = new AtomicLong();
    private final ConcurrentSkipListSet<Long> inFlight = new ConcurrentSkipListSet<>();

    InternalSession() {
        long id;
        SecureRandom random = new SecureRandom();
        do {
            id = random.nextLong();
        } while (id == 0);
        this.clientId = id;
    }

    /** The session of a new command; call {@link #done} with its seq once it is answered. */
    Session begin() {
        long s = seq.incrementAndGet();
        inFlight.add(s);
        long floor = inFlight.isEmpty() ? s : Math.min(s, inFlight.first());
        return Session.newBuilder().setClientId(clientId).setSeq(s).setFirstIncompleteSeq(floor).setOpen(true).build();
    }

    void done(Session session) {
        inFlight.remove(session.getSeq());
    }
}
