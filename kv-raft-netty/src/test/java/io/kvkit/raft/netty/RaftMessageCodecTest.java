package io.kvkit.raft.netty;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.netty.proto.RaftEnvelope;
import io.kvkit.raft.netty.proto.RaftMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaftMessageCodecTest {

    /** Replay with -Dkvkit.raftnetty.seed=N. */
    static long seed() {
        String s = System.getProperty("kvkit.raftnetty.seed", "");
        return s.isBlank() ? new Random().nextLong() : Long.parseLong(s);
    }

    @Test
    void randomMessagesSurviveARoundTripThroughBytes() throws Exception {
        long seed = seed();
        System.out.println("RaftMessageCodecTest seed=" + seed + " (replay: -Dkvkit.raftnetty.seed=" + seed + ")");
        Random rnd = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            long group = randomLong(rnd);
            Message m = randomMessage(rnd);
            RaftEnvelope env = RaftEnvelope.newBuilder().setFromNode(m.from()).setToNode(m.to())
                    .addMessages(RaftMessageCodec.encode(group, m)).build();
            RaftEnvelope back = RaftEnvelope.parseFrom(env.toByteArray());
            RaftMessage w = back.getMessages(0);
            assertThat(w.getGroupId()).as("seed %d message %d", seed, i).isEqualTo(group);
            Message decoded = RaftMessageCodec.decode(w);
            assertSame(decoded, m, "seed " + seed + " message " + i);
        }
    }

    @Test
    void localKindsAreRefusedWithAClearError() {
        for (MessageType t : MessageType.values()) {
            if (t.isLocal()) {
                assertThatThrownBy(() -> RaftMessageCodec.encode(1, Message.of(t).build()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("local");
            }
        }
    }

    @Test
    void unknownKindNumberIsRefused() {
        RaftMessage w = RaftMessage.newBuilder().setGroupId(3).setTypeValue(99).build();
        assertThatThrownBy(() -> RaftMessageCodec.decode(w)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown message kind number 99");
    }

    static void assertSame(Message actual, Message expected, String what) {
        // Message is a record, but Snapshot holds a byte[]: compare field by field
        assertThat(actual.toBuilder().snapshot(null).build()).as(what).isEqualTo(expected.toBuilder().snapshot(null).build());
        if (expected.snapshot() == null) {
            assertThat(actual.snapshot()).as(what).isNull();
        } else {
            Snapshot a = actual.snapshot();
            Snapshot e = expected.snapshot();
            assertThat(a.index()).as(what).isEqualTo(e.index());
            assertThat(a.term()).as(what).isEqualTo(e.term());
            assertThat(a.confState()).as(what).isEqualTo(e.confState());
            assertThat(Arrays.equals(a.data(), e.data())).as(what).isTrue();
        }
    }

    static Message randomMessage(Random rnd) {
        List<MessageType> wire = Arrays.stream(MessageType.values()).filter(t -> !t.isLocal()).toList();
        MessageType type = wire.get(rnd.nextInt(wire.size()));
        List<Entry> entries = new ArrayList<>();
        int n = rnd.nextInt(4) == 0 ? rnd.nextInt(20) : 0;
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(300)];
            rnd.nextBytes(data);
            entries.add(new Entry(nonNegative(rnd), nonNegative(rnd),
                    rnd.nextBoolean() ? EntryType.NORMAL : EntryType.CONF_CHANGE, data));
        }
        Snapshot snap = null;
        if (type == MessageType.SNAPSHOT || rnd.nextInt(10) == 0) {
            byte[] data = new byte[rnd.nextInt(2_000)];
            rnd.nextBytes(data);
            List<Long> voters = new ArrayList<>();
            List<Long> learners = new ArrayList<>();
            for (int i = 0; i < rnd.nextInt(6); i++) {
                long id = 1 + (rnd.nextLong() & Long.MAX_VALUE - 1);
                (rnd.nextBoolean() ? voters : learners).add(id);
            }
            learners.removeAll(voters);
            snap = new Snapshot(nonNegative(rnd), nonNegative(rnd), new ConfState(voters, learners), data);
        }
        return new Message(type, randomLong(rnd), randomLong(rnd), randomLong(rnd), randomLong(rnd), randomLong(rnd),
                entries, randomLong(rnd), snap, rnd.nextBoolean(), randomLong(rnd), randomLong(rnd));
    }

    /** Edge values often: 0, 1, max, negative (uint64 on the wire carries all 64 bits). */
    static long randomLong(Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Long.MAX_VALUE;
            case 3 -> rnd.nextLong();
            default -> rnd.nextInt(1_000_000);
        };
    }

    static long nonNegative(Random rnd) {
        return randomLong(rnd) & Long.MAX_VALUE;
    }
}
