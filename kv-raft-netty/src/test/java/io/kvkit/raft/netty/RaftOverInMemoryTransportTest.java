package io.kvkit.raft.netty;

import io.kvkit.raft.transport.Transport;
import io.kvkit.raft.transport.InMemoryTransport;
import java.util.List;

/** {@link RaftOverTransportContract} over an {@link InMemoryTransport} that loses 10% of messages: Raft must still commit. */
class RaftOverInMemoryTransportTest extends RaftOverTransportContract {

    private final long seed = RaftMessageCodecTest.seed();
    private final InMemoryTransport.Hub hub = new InMemoryTransport.Hub(seed);

    RaftOverInMemoryTransportTest() {
        System.out.println("RaftOverInMemoryTransportTest seed=" + seed + " (replay: -Dkvkit.raftnetty.seed=" + seed + ")");
        hub.setDropProbability(0.1);
    }

    @Override
    Transport create(long id, Transport.Listener listener) {
        return hub.join(id, 10_000, listener);
    }

    @Override
    void connect(List<Node> nodes) {
        // every node of a hub reaches every other
    }
}
