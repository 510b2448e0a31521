package io.kvkit.raft.netty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link NettyTransport#setPeerAddress}: peers learned, and moved, while the transport runs. */
@Timeout(60)
class PeerAddressChangeTest {

    @Test
    void aPeerLearnedAtRunTimeIsReachedAndAMovedPeerIsFollowed() throws Exception {
        Recorder r1 = new Recorder();
        Recorder r2 = new Recorder();
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort(); // nothing listens there once closed
        }
        try (NettyTransport a = new NettyTransport(1, NettyTransportTest.ANY_LOOPBACK_PORT, Map.of(), NettyTransportTest.fastReconnect(), r1);
             NettyTransport b = new NettyTransport(2, NettyTransportTest.ANY_LOOPBACK_PORT, Map.of(), NettyTransportTest.fastReconnect(), r2)) {
            a.start();
            b.start();
            assertThat(a.send(2, 7, NettyTransportTest.append(1, 2, 1, null))).as("unknown peer").isFalse();

            assertThat(a.setPeerAddress(2, new InetSocketAddress(InetAddress.getLoopbackAddress(), deadPort))).isTrue();
            Thread.sleep(200);
            assertThat(a.isConnected(2)).as("nothing listens at the first address").isFalse();

            assertThat(a.setPeerAddress(2, b.boundAddress())).as("moved").isTrue();
            assertThat(a.setPeerAddress(2, b.boundAddress())).as("same address again").isFalse();
            Recorder.await("node 1 connected to node 2 at its new address", 10_000, () -> a.isConnected(2));
            assertThat(a.send(2, 7, NettyTransportTest.append(1, 2, 1, new byte[]{42}))).isTrue();
            Recorder.await("node 2 received the message", 10_000, () -> r2.receivedCount.get() == 1);
            assertThat(List.copyOf(r2.received).getFirst().groupId()).isEqualTo(7);

            assertThatThrownBy(() -> a.setPeerAddress(1, b.boundAddress())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("differ from the local node");
        }
    }
}
