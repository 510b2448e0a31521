package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.InMemoryTransport;
import io.kvkit.raft.Message;
import io.kvkit.raft.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class InMemoryTransportTest {

    @Test
    void deliversInOrderPerSenderAndGroup() throws Exception {
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(1);
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        try (InMemoryTransport t1 = hub.join(1, 100_000, r1); InMemoryTransport t2 = hub.join(2, 100_000, r2)) {
            t1.start();
            t2.start();
            for (int i = 1; i <= 10_000; i++) {
                assertThat(t1.send(2, i % 13, NettyTransportTest.append(1, 2, i, null))).isTrue();
            }
            Recorder.await("10,000 delivered", 10_000, () -> r2.receivedCount.get() == 10_000);
            Map<Long, Long> last = new HashMap<>();
            for (Recorder.Received got : r2.received) {
                assertThat(got.message().index()).isGreaterThan(last.getOrDefault(got.groupId(), 0L));
                last.put(got.groupId(), got.message().index());
            }
            assertThat(t1.stats().messagesSent()).isEqualTo(10_000);
        }
    }

    @Test
    void dropsAtTheConfiguredRateAndReportsCutLinks() throws Exception {
        long seed = RaftMessageCodecTest.seed();
        System.out.println("dropsAtTheConfiguredRate seed=" + seed);
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(seed);
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        try (InMemoryTransport t1 = hub.join(1, 100_000, r1); InMemoryTransport t2 = hub.join(2, 100_000, r2)) {
            t1.start();
            t2.start();
            hub.setDropProbability(0.5);
            for (int i = 1; i <= 10_000; i++) {
                t1.send(2, 1, NettyTransportTest.append(1, 2, i, null));
            }
            Recorder.await("all not lost delivered", 10_000, () -> r2.receivedCount.get() == t1.stats().messagesSent());
            assertThat(r2.receivedCount.get()).as("seed %d", seed).isBetween(4_000, 6_000);

            hub.setDropProbability(0);
            hub.setLinkDown(1, 2, true);
            assertThat(t1.send(2, 1, NettyTransportTest.append(1, 2, 1, null))).isFalse();
            Recorder.await("cut link reported", 5_000, () -> r1.unreachableCount(2) == 1);
            assertThat(t2.send(1, 1, NettyTransportTest.append(2, 1, 1, null))).as("the other direction still works").isTrue();
            hub.setLinkDown(1, 2, false);
            assertThat(t1.send(2, 1, NettyTransportTest.append(1, 2, 1, null))).isTrue();
        }
    }

    @Test
    void aFullInboxDropsAndCounts() throws Exception {
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Transport.Listener blocked = new Recorder() {
            @Override
            public void onMessage(long groupId, Message m) {
                try {
                    release.await(); // holds the delivery thread so the inbox fills
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (InMemoryTransport t1 = hub.join(1, 10, new Recorder()); InMemoryTransport t2 = hub.join(2, 10, blocked)) {
            t1.start();
            t2.start();
            int refused = 0;
            for (int i = 1; i <= 100; i++) {
                if (!t1.send(2, 1, NettyTransportTest.append(1, 2, i, null))) {
                    refused++;
                }
            }
            assertThat(refused).isBetween(89, 90); // 10 queued, 1 possibly taken by the blocked thread
            assertThat(t1.stats().droppedQueueFull()).isEqualTo(refused);
            release.countDown();
        }
    }

    @Test
    void localKindsAndDuplicateNodesAreRefused() {
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(1);
        try (InMemoryTransport t1 = hub.join(1, 10, new Recorder())) {
            t1.start();
            assertThatThrownBy(() -> t1.send(2, 1, Message.of(MessageType.LOCAL_HUP).build()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> hub.join(1, 10, new Recorder())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already joined");
        }
    }
}
