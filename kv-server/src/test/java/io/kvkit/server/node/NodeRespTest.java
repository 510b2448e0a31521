package io.kvkit.server.node;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Jedis against the RESP port of real nodes: what is written through one node is read through another. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeRespTest {

    @TempDir
    Path dir;

    @Test
    void jedisWritesThroughOneNodeAndReadsThroughAnother() {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 4, 3, 3, "lsm").startAll()) {
            InetSocketAddress one = cluster.nodes.get(1L).respAddress();
            InetSocketAddress two = cluster.nodes.get(2L).respAddress();
            try (Jedis a = new Jedis(one.getHostString(), one.getPort()); Jedis b = new Jedis(two.getHostString(), two.getPort())) {
                assertThat(a.ping()).isEqualTo("PONG");
                assertThat(a.set("greeting", "hello")).isEqualTo("OK");
                assertThat(b.get("greeting")).isEqualTo("hello");
                for (int i = 0; i < 10; i++) {
                    a.incr("counter");
                    b.incr("counter");
                }
                assertThat(a.get("counter")).isEqualTo("20");
                assertThat(b.del("greeting")).isEqualTo(1);
                assertThat(a.exists("greeting")).isFalse();
            }
        }
    }
}
