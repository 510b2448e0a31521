package io.kvkit.raft.runtime;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.storage.MemoryRaftLogStore;
import io.kvkit.raft.storage.RaftLogStorage;
import io.kvkit.raft.storage.RaftLogStore;
import io.kvkit.raft.transport.InMemoryTransport;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.kvkit.raft.runtime.RuntimeCluster.await;
import static io.kvkit.raft.runtime.RuntimeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A failed sync is never retried and nothing written after it is acknowledged: the node stops,
 * failing every request (fsyncgate, PITFALLS #21).
 */
class StorageFailureTest {

    /** A store whose sync fails once told to, and forever after. */
    static final class FailingStore implements RaftLogStore {
        final MemoryRaftLogStore inner = new MemoryRaftLogStore();
        volatile boolean failing;

        @Override
        public RaftLogStorage open(long groupId) {
            return inner.open(groupId);
        }

        @Override
        public Set<Long> groupIds() {
            return inner.groupIds();
        }

        @Override
        public void delete(long groupId) {
            inner.delete(groupId);
        }

        @Override
        public void sync() {
            if (failing) {
                throw new UncheckedIOException(new IOException("injected fsync failure"));
            }
            inner.sync();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aFailedSyncStopsTheNodeAndNothingAfterItIsAcknowledged() throws Exception {
        InMemoryTransport.Hub hub = new InMemoryTransport.Hub(51);
        FailingStore store = new FailingStore();
        // a single-member group: every proposal needs this node's own sync to commit
        try (RaftNode node = new RaftNode(RuntimeCluster.testDefaults(1), store, l -> hub.join(1, 10_000, l))) {
            ListMachine m = new ListMachine();
            RaftGroup g = node.startGroup(1, new ConfState(List.of(1L), List.of()), m);
            await("the single member to lead", () -> g.status().role() == io.kvkit.raft.Role.LEADER);
            g.propose(bytes("before")).get(30, TimeUnit.SECONDS);
            store.failing = true;
            CompletableFuture<byte[]> after = g.propose(bytes("after"));
            assertThatThrownBy(() -> after.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(RaftGroupClosedException.class);
            await("the node to stop", node::isClosed);
            assertThat(node.failure()).hasMessageContaining("injected fsync failure");
            assertThat(m.items()).containsExactly("before");
            assertThatThrownBy(() -> g.propose(bytes("later")).join()).hasCauseInstanceOf(RaftGroupClosedException.class);
            assertThatThrownBy(() -> node.startGroup(2, new ConfState(List.of(1L), List.of()), new ListMachine()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("after a failure");
        }
    }
}
