package io.kvkit.raft.example;

import io.kvkit.raft.example.ClientProtocol.Consistency;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code ./kv raft-example}: starts three example nodes as processes on 127.0.0.1, writes and
 * reads through the client, kills the leader with {@code kill -9}, shows the next leader taking
 * over, restarts the killed node, and stops everything.
 */
public final class RaftExampleDemo {

    public static void main(String[] args) throws Exception {
        int writes = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path dir = Files.createTempDirectory("kvkit-raft-example");
        try (LocalCluster cluster = new LocalCluster(dir, 3, 1)) {
            System.out.println("starting 3 nodes on 127.0.0.1 (data in " + dir + ")");
            cluster.startAll();
            try (RaftKvClient client = cluster.client(10_000)) {
                client.put(1, bytes("hello"), bytes("world")).get(30, TimeUnit.SECONDS);
                System.out.println("leader of group 1: node " + client.cachedLeader(1));

                long t0 = System.nanoTime();
                Semaphore inFlight = new Semaphore(64);
                List<CompletableFuture<Void>> all = new ArrayList<>();
                for (int i = 0; i < writes; i++) {
                    inFlight.acquire();
                    CompletableFuture<Void> f = client.put(1, bytes("key" + i), bytes("value" + i));
                    f.whenComplete((r, e) -> inFlight.release());
                    all.add(f);
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("%,d replicated, fsynced writes with 64 in flight: %.1f s, %,.0f writes/s%n", writes, secs, writes / secs);
                System.out.println("linearizable read of key0: " + str(client.get(1, bytes("key0"), Consistency.LINEARIZABLE).get(10, TimeUnit.SECONDS)));

                long leader = client.cachedLeader(1);
                System.out.println("kill -9 of the leader, node " + leader);
                cluster.kill9(leader);
                long killed = System.nanoTime();
                client.put(1, bytes("after-failover"), bytes("yes")).get(60, TimeUnit.SECONDS);
                System.out.printf("next write committed %.0f ms after the kill, new leader node %d%n",
                        (System.nanoTime() - killed) / 1e6, client.cachedLeader(1));

                cluster.start(leader);
                System.out.println("node " + leader + " restarted from its data directory");
                for (long n = 1; n <= 3; n++) {
                    System.out.println("node " + n + ": " + client.status(n).get(10, TimeUnit.SECONDS).replace("\n", "\n    "));
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return b == null ? "(absent)" : new String(b, StandardCharsets.UTF_8);
    }
}
