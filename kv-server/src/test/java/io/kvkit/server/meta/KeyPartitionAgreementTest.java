package io.kvkit.server.meta;

import io.kvkit.client.KeyPartitioner;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients send each request straight to its partition's leader by computing the partition
 * themselves ({@link KeyPartitioner}, lz4-java's XXHash64); the server files the key by the
 * ring's own XXHash64. If the two ever disagree, a client writes keys where the server does not
 * look for them.
 */
class KeyPartitionAgreementTest {

    @Test
    void clientAndRingAgreeOnEveryKey() {
        long seed = System.nanoTime();
        System.out.println("KeyPartitionAgreementTest seed " + seed);
        Random random = new Random(seed);
        ClusterState[] states = {
                ClusterBootstrap.initialState(Founders.members(1), 1, 1, 1, "lsm", Map.of()),
                ClusterBootstrap.initialState(Founders.members(3), 64, 3, 3, "lsm", Map.of()),
                ClusterBootstrap.initialState(Founders.members(3), 4096, 3, 3, "lsm", Map.of()),
        };
        KeyPartitioner[] clients = new KeyPartitioner[states.length];
        for (int i = 0; i < states.length; i++) {
            clients[i] = new KeyPartitioner(states[i].partitionCount());
        }
        int[] hit = new int[4096];
        for (int k = 0; k < 100_000; k++) {
            // lengths 1..64 cover every tail path of XXHash64 (32-byte stripes, 8-, 4- and 1-byte tails)
            byte[] key = new byte[1 + random.nextInt(64)];
            random.nextBytes(key);
            for (int i = 0; i < states.length; i++) {
                int server = states[i].partitionOf(key);
                int client = clients[i].partitionOf(key);
                if (server != client) {
                    throw new AssertionError("seed " + seed + ", key #" + k + ", Q " + states[i].partitionCount()
                            + ": ring says partition " + server + ", client says " + client);
                }
            }
            hit[states[2].partitionOf(key)]++;
        }
        // the keys did spread (a constant function would agree too)
        for (int p = 0; p < hit.length; p++) {
            assertThat(hit[p]).as("keys in partition %d of 4096", p).isPositive();
        }
    }
}
