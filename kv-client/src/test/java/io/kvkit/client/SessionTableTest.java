package io.kvkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SessionTableTest {
    private static final long CLIENT = 42;

    private static byte[] reply(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static SessionTable table() {
        return new SessionTable(new SessionTable.Options(3, 4, 100, 1 << 20));
    }

    @Test
    void aRetriedCommandIsAnsweredWithItsFirstReply() {
        SessionTable t = table();
        assertThat(t.check(CLIENT, 1, 1, true, 10)).isInstanceOf(SessionTable.Apply.class);
        t.record(CLIENT, 1, 1, reply("first"), 10);
        SessionTable.Decision again = t.check(CLIENT, 1, 1, false, 11);
        assertThat(again).isInstanceOf(SessionTable.Duplicate.class);
        assertThat(((SessionTable.Duplicate) again).reply()).isEqualTo(reply("first"));
    }

    /** One "last seq" per client would call seq 4 a duplicate after seq 5: with pipelining, a lost write. */
    @Test
    void pipelinedCommandsAppliedOutOfOrderAreNotFalseDuplicates() {
        SessionTable t = table();
        t.record(CLIENT, 5, 4, reply("five"), 1);
        assertThat(t.check(CLIENT, 4, 4, false, 2)).isInstanceOf(SessionTable.Apply.class);
        t.record(CLIENT, 4, 4, reply("four"), 2);
        assertThat(t.check(CLIENT, 4, 4, false, 3)).isInstanceOf(SessionTable.Duplicate.class);
        assertThat(t.check(CLIENT, 5, 4, false, 3)).isInstanceOf(SessionTable.Duplicate.class);
    }

    @Test
    void repliesBelowTheAcknowledgedFloorAreForgottenAndExpire() {
        SessionTable t = table();
        t.record(CLIENT, 1, 1, reply("1"), 1);
        t.record(CLIENT, 2, 2, reply("2"), 2); // the client got the answer of 1
        assertThat(t.check(CLIENT, 1, 2, false, 3)).isInstanceOfSatisfying(SessionTable.Expired.class,
                e -> assertThat(e.reason()).contains("below its floor 2"));
        assertThat(t.totalReplyBytes()).isEqualTo(1);
    }

    @Test
    void theWindowBoundRaisesTheFloorInsteadOfForgettingSilently() {
        SessionTable t = table(); // 4 replies per client
        for (int seq = 1; seq <= 6; seq++) {
            t.record(CLIENT, seq, 1, reply("r" + seq), seq); // the client acknowledges nothing
        }
        assertThat(t.check(CLIENT, 2, 1, false, 7)).isInstanceOf(SessionTable.Expired.class); // never re-applied
        assertThat(t.check(CLIENT, 3, 1, false, 7)).isInstanceOf(SessionTable.Duplicate.class);
        assertThat(t.check(CLIENT, 7, 1, false, 7)).isInstanceOf(SessionTable.Apply.class);
    }

    @Test
    void anUnknownClientNeedsOpen() {
        SessionTable t = table();
        assertThat(t.check(7, 3, 1, false, 1)).isInstanceOfSatisfying(SessionTable.Expired.class,
                e -> assertThat(e.reason()).contains("client 7").contains("start a new session"));
        assertThat(t.check(7, 3, 1, true, 1)).isInstanceOf(SessionTable.Apply.class);
    }

    @Test
    void idleClientsAreForgottenByLogIndexNotByClock() {
        SessionTable t = table(); // idle after 100 entries
        t.record(CLIENT, 1, 1, reply("x"), 10);
        assertThat(t.check(CLIENT, 1, 1, false, 110)).isInstanceOf(SessionTable.Duplicate.class);
        assertThat(t.check(CLIENT, 1, 1, false, 111)).isInstanceOf(SessionTable.Expired.class);
        t.record(99, 1, 1, reply("y"), 111);
        assertThat(t.clientCount()).isEqualTo(1);
    }

    @Test
    void theClientBoundForgetsTheLeastRecentlyActive() {
        SessionTable t = table(); // 3 clients
        t.record(1, 1, 1, reply("a"), 1);
        t.record(2, 1, 1, reply("b"), 2);
        t.record(3, 1, 1, reply("c"), 3);
        t.record(1, 2, 1, reply("a2"), 4); // client 1 active again
        t.record(4, 1, 1, reply("d"), 5);  // forgets client 2
        assertThat(t.clientCount()).isEqualTo(3);
        assertThat(t.check(2, 1, 1, false, 6)).isInstanceOf(SessionTable.Expired.class);
        assertThat(t.check(1, 1, 1, false, 6)).isInstanceOf(SessionTable.Duplicate.class);
    }

    @Test
    void theByteBoundForgetsTheLeastRecentlyActive() {
        SessionTable t = new SessionTable(new SessionTable.Options(10, 10, 1000, 10));
        t.record(1, 1, 1, new byte[6], 1);
        t.record(2, 1, 1, new byte[6], 2);
        assertThat(t.clientCount()).isEqualTo(1);
        assertThat(t.totalReplyBytes()).isEqualTo(6);
        assertThat(t.check(1, 1, 1, false, 3)).isInstanceOf(SessionTable.Expired.class);
    }

    @Test
    void logIndexesMustNotGoBackwards() {
        SessionTable t = table();
        t.record(CLIENT, 1, 1, reply("x"), 10);
        assertThatThrownBy(() -> t.record(CLIENT, 2, 1, reply("y"), 9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("log order");
        assertThatThrownBy(() -> t.check(0, 1, 1, true, 11)).hasMessageContaining("client id 0");
    }

    @Test
    void aSnapshotRestoresTheSameStateAndADamagedOneIsRefused() {
        SessionTable t = table();
        t.record(1, 1, 1, reply("a"), 1);
        t.record(2, 3, 2, reply("bb"), 2);
        t.record(1, 2, 1, reply("a2"), 3);
        byte[] snap = t.toBytes();
        SessionTable r = SessionTable.fromBytes(snap, t.options());
        assertThat(r.sameStateAs(t)).isTrue();
        assertThat(r.highestIndex()).isEqualTo(3);
        assertThat(r.totalReplyBytes()).isEqualTo(t.totalReplyBytes());
        snap[10] ^= 1;
        assertThatThrownBy(() -> SessionTable.fromBytes(snap, t.options())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CRC32C");
        assertThatThrownBy(() -> SessionTable.fromBytes(new byte[5], t.options())).hasMessageContaining("too short");
    }

    /**
     * Replicas agree: a table fed a random command stream, and one restored from its snapshot
     * halfway and fed the rest, decide identically at every step and end in the same state.
     */
    @Test
    void replicasRestoredFromASnapshotDecideIdentically() {
        long seed = System.nanoTime();
        System.out.println("SessionTableTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        SessionTable.Options o = new SessionTable.Options(8, 16, 200, 4096);
        SessionTable a = new SessionTable(o);
        SessionTable b = null;
        long[] nextSeq = new long[12];
        List<String> trace = new ArrayList<>();
        for (long index = 1; index <= 5_000; index++) {
            int c = rnd.nextInt(12);
            long client = c + 1;
            long seq = Math.max(1, nextSeq[c] - rnd.nextInt(4)); // sometimes a retry of a recent one
            nextSeq[c] = Math.max(nextSeq[c], seq + 1);
            long first = Math.max(1, seq - rnd.nextInt(20));
            boolean open = rnd.nextInt(10) == 0;
            if (index == 2_500) {
                b = SessionTable.fromBytes(a.toBytes(), o);
            }
            SessionTable.Decision da = a.check(client, seq, first, open, index);
            if (b != null) {
                SessionTable.Decision db = b.check(client, seq, first, open, index);
                assertThat(db.getClass()).as("seed %d index %d", seed, index).isEqualTo(da.getClass());
            }
            if (da instanceof SessionTable.Apply) {
                byte[] r = new byte[rnd.nextInt(64)];
                rnd.nextBytes(r);
                a.record(client, seq, first, r, index);
                if (b != null) {
                    b.record(client, seq, first, r, index);
                }
            }
            trace.add(da.getClass().getSimpleName());
            assertThat(a.totalReplyBytes()).isLessThanOrEqualTo(4096);
            assertThat(a.clientCount()).isLessThanOrEqualTo(8);
        }
        assertThat(b.sameStateAs(a)).as("seed %d", seed).isTrue();
        assertThat(trace).contains("Apply", "Duplicate", "Expired");
    }
}
