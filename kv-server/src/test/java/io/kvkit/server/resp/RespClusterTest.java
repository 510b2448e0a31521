package io.kvkit.server.resp;

import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.endpoint.PeerForwarder;
import io.kvkit.server.endpoint.PeerForwarderOptions;
import io.kvkit.server.endpoint.RequestHandler;
import io.kvkit.server.node.KvNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: three real nodes in this JVM (configured as the node package's InProcessCluster
 * does), a RESP endpoint per node. KvNode does not expose its request router yet, so each
 * endpoint's handler forwards through a {@link PeerForwarder} to its node's client port, where
 * the router executes or forwards as for any client.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RespClusterTest {
    static final int PARTITIONS = 8;

    @TempDir
    Path dir;

    @Test
    void aWriteThroughOneNodeIsReadThroughAnotherAndConcurrentIncrsCountExactly() throws Exception {
        List<NodeConfig.Member> members = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            members.add(new NodeConfig.Member(i, "127.0.0.1", freePort(), freePort(), 0, 0));
        }
        List<KvNode> nodes = new ArrayList<>();
        List<RespEndpoint> endpoints = new ArrayList<>();
        PeerForwarder forwarder = new PeerForwarder(PeerForwarderOptions.defaults());
        try {
            for (int i = 1; i <= 3; i++) {
                nodes.add(KvNode.start(new NodeConfig(i, dir.resolve("node-" + i), "127.0.0.1", members, PARTITIONS, 3, 3, "lsm",
                        Map.of(), Duration.ofMillis(50), 10, true, true, 1, 100_000, Duration.ofSeconds(5), 16 * 1024,
                        4 * 1024 * 1024, 1024, 1)));
            }
            for (int i = 1; i <= 3; i++) {
                String address = members.get(i - 1).clientAddress();
                RequestHandler viaClientPort = request -> forwarder.forward(address, request);
                endpoints.add(RespEndpoint.start(RespEndpointOptions.defaults("127.0.0.1", 0, i).withIoThreads(1), viaClientPort,
                        PARTITIONS));
            }
            try (Jedis one = jedis(endpoints.get(0)); Jedis two = jedis(endpoints.get(1)); Jedis three = jedis(endpoints.get(2))) {
                awaitWritable(one);
                assertThat(one.set("greeting", "hello from node 1")).isEqualTo("OK");
                assertThat(two.get("greeting")).isEqualTo("hello from node 1");
                assertThat(three.get("greeting")).isEqualTo("hello from node 1");

                ExecutorService threads = Executors.newFixedThreadPool(4);
                try {
                    List<Future<List<Long>>> results = new ArrayList<>();
                    for (int t = 0; t < 4; t++) {
                        RespEndpoint e = endpoints.get(t % 3);
                        results.add(threads.submit(() -> {
                            List<Long> seen = new ArrayList<>();
                            try (Jedis j = jedis(e)) {
                                for (int i = 0; i < 50; i++) {
                                    seen.add(j.incr("counter"));
                                }
                            }
                            return seen;
                        }));
                    }
                    Set<Long> answers = new HashSet<>();
                    for (Future<List<Long>> f : results) {
                        answers.addAll(f.get(120, TimeUnit.SECONDS));
                    }
                    assertThat(answers).as("every INCR got its own value").hasSize(200);
                    assertThat(answers).allMatch(v -> v >= 1 && v <= 200);
                } finally {
                    threads.shutdownNow();
                }
                assertThat(three.get("counter")).isEqualTo("200");

                List<String> mset = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    mset.add("m" + i);
                    mset.add("v" + i);
                }
                assertThat(two.mset(mset.toArray(String[]::new))).isEqualTo("OK");
                assertThat(one.mget("m0", "m29", "none")).containsExactly("v0", "v29", null);
                assertThat(three.dbSize()).isEqualTo(32);
                Set<String> keys = new HashSet<>();
                String cursor = "0";
                do {
                    ScanResult<String> page = one.scan(cursor, new ScanParams().match("m*").count(7));
                    keys.addAll(page.getResult());
                    cursor = page.getCursor();
                } while (!cursor.equals("0"));
                assertThat(keys).hasSize(30);
            }
        } finally {
            endpoints.forEach(RespEndpoint::close);
            forwarder.close();
            nodes.forEach(KvNode::close);
        }
    }

    private static Jedis jedis(RespEndpoint e) {
        return new Jedis("127.0.0.1", e.localAddress().getPort(), 30_000);
    }

    /** The partitions elect their leaders after start: retry one write until the cluster takes it (at most 60 s). */
    private static void awaitWritable(Jedis j) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                j.set("ready", "1");
                j.del("ready");
                return;
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the cluster took no write within 60 s", last);
    }

    /** A free port below the ephemeral range (as InProcessCluster picks them). */
    private static int freePort() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException busy) {
                // taken: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 20000..31999"));
    }
}
