package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import java.util.List;
import java.util.Map;

/** {@link RaftOverTransportContract} over {@link NettyTransport} on loopback. */
class RaftOverNettyTest extends RaftOverTransportContract {

    @Override
    Transport create(long id, Transport.Listener listener) {
        return new NettyTransport(id, NettyTransportTest.ANY_LOOPBACK_PORT, Map.of(), NettyTransportTest.fastReconnect(), listener);
    }

    @Override
    void connect(List<Node> nodes) {
        for (Node a : nodes) {
            for (Node b : nodes) {
                if (a != b) {
                    ((NettyTransport) a.transport).addPeer(b.id, ((NettyTransport) b.transport).boundAddress());
                }
            }
        }
    }
}
