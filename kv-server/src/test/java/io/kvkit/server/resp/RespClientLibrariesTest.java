package io.kvkit.server.resp;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real Redis client libraries, Jedis and Lettuce, against the endpoint over the map-backed fake node. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RespClientLibrariesTest {
    static final int PARTITIONS = 16;
    private ScheduledExecutorService delays;
    private FakeKvHandler node;
    private RespEndpoint endpoint;

    @BeforeEach
    void start() {
        delays = Executors.newScheduledThreadPool(2);
        node = new FakeKvHandler(PARTITIONS, r -> delays.schedule(r, ThreadLocalRandom.current().nextInt(1000), TimeUnit.MICROSECONDS));
        endpoint = RespEndpoint.start(RespEndpointOptions.defaults("127.0.0.1", 0, 3), node, PARTITIONS);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        delays.shutdownNow();
    }

    @Test
    void jedisEveryCommand() {
        try (Jedis j = new Jedis("127.0.0.1", endpoint.localAddress().getPort())) {
            assertThat(j.ping()).isEqualTo("PONG");
            assertThat(j.echo("hello")).isEqualTo("hello");
            assertThat(j.set("k", "v")).isEqualTo("OK");
            assertThat(j.get("k")).isEqualTo("v");
            assertThat(j.get("missing")).isNull();
            assertThat(j.set("k", "w", SetParams.setParams().nx())).isNull();
            assertThat(j.set("k", "w", SetParams.setParams().xx())).isEqualTo("OK");
            assertThatThrownBy(() -> j.set("k", "w", SetParams.setParams().ex(10)))
                    .isInstanceOf(JedisDataException.class).hasMessage("ERR expiry is not supported by kvkit (no TTLs yet)");
            assertThat(j.setnx("n", "1")).isEqualTo(1);
            assertThat(j.setnx("n", "2")).isEqualTo(0);
            assertThat(j.getSet("n", "5")).isEqualTo("1");
            assertThat(j.incr("n")).isEqualTo(6);
            assertThat(j.incrBy("n", 10)).isEqualTo(16);
            assertThat(j.decr("n")).isEqualTo(15);
            assertThat(j.decrBy("n", 20)).isEqualTo(-5);
            assertThatThrownBy(() -> j.incr("k")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            assertThat(j.strlen("k")).isEqualTo(1);
            assertThat(j.append("k", "xyz")).isEqualTo(4);
            assertThat(j.mset("a", "1", "b", "2", "c", "3")).isEqualTo("OK");
            assertThat(j.mget("a", "nope", "c")).containsExactly("1", null, "3");
            assertThat(j.exists("a", "b", "nope")).isEqualTo(2);
            assertThat(j.exists("a")).isTrue();
            assertThat(j.del("a", "nope")).isEqualTo(1);
            assertThat(j.dbSize()).isEqualTo(4); // k n b c
            Set<String> keys = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = j.scan(cursor, new ScanParams().count(2));
                keys.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertThat(keys).containsExactlyInAnyOrder("k", "n", "b", "c");
            ScanResult<String> matched = j.scan("0", new ScanParams().match("[bc]").count(1000));
            assertThat(matched.getResult()).containsExactlyInAnyOrder("b", "c");
            assertThat(j.info()).contains("# Kvkit", "redis_version:");
            assertThat(j.info("keyspace")).contains("db0:keys=4");
            assertThat(j.clientSetname("jedis-test")).isEqualTo("OK");
            assertThat(j.clientGetname()).isEqualTo("jedis-test");
            assertThat(j.clientId()).isPositive();
            assertThat(j.select(0)).isEqualTo("OK");
            assertThatThrownBy(() -> j.select(3)).isInstanceOf(JedisDataException.class).hasMessage("ERR DB index is out of range");
            assertThat(j.commandCount()).isEqualTo(RespCommandSpec.ALL.size());
            assertThatThrownBy(() -> j.hset("h", "f", "v")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v'");
            assertThat(j.ping()).as("the connection survives errors").isEqualTo("PONG");
        }
    }

    @Test
    void jedisPipelineOfAThousandCommands() {
        try (Jedis j = new Jedis("127.0.0.1", endpoint.localAddress().getPort())) {
            Pipeline p = j.pipelined();
            List<Response<?>> replies = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                switch (i % 4) {
                    case 0 -> replies.add(p.set("key" + i, "value" + i));
                    case 1 -> replies.add(p.get("key" + (i - 1)));
                    case 2 -> replies.add(p.incr("counter"));
                    default -> replies.add(p.incr("key0")); // not an integer: an error in the middle of the pipeline
                }
            }
            p.sync();
            long counter = 0;
            for (int i = 0; i < 1000; i++) {
                Response<?> r = replies.get(i);
                switch (i % 4) {
                    case 0 -> assertThat(r.get()).isEqualTo("OK");
                    case 1 -> assertThat(r.get()).isEqualTo("value" + (i - 1));
                    case 2 -> assertThat(r.get()).isEqualTo(++counter);
                    default -> assertThatThrownBy(r::get).isInstanceOf(JedisDataException.class)
                            .hasMessage("ERR value is not an integer or out of range");
                }
            }
            assertThat(j.get("counter")).isEqualTo("250");
        }
    }

    @Test
    void lettuceEveryCommandAfterFallingBackFromResp3() {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", endpoint.localAddress().getPort()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> r = connection.sync();
            assertThat(r.ping()).isEqualTo("PONG");
            assertThat(r.echo("e")).isEqualTo("e");
            assertThat(r.set("k", "v")).isEqualTo("OK");
            assertThat(r.get("k")).isEqualTo("v");
            assertThat(r.set("k", "x", SetArgs.Builder.nx())).isNull();
            assertThat(r.set("k", "x", SetArgs.Builder.xx())).isEqualTo("OK");
            assertThatThrownBy(() -> r.set("k", "x", SetArgs.Builder.px(100))).isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessage("ERR expiry is not supported by kvkit (no TTLs yet)");
            assertThat(r.setnx("n", "10")).isTrue();
            assertThat(r.setnx("n", "11")).isFalse();
            assertThat(r.incr("n")).isEqualTo(11);
            assertThat(r.incrby("n", 5)).isEqualTo(16);
            assertThat(r.decr("n")).isEqualTo(15);
            assertThat(r.decrby("n", 15)).isEqualTo(0);
            assertThat(r.getset("n", "7")).isEqualTo("0");
            assertThat(r.strlen("k")).isEqualTo(1);
            assertThat(r.append("k", "yz")).isEqualTo(3);
            assertThat(r.mset(java.util.Map.of("a", "1", "b", "2"))).isEqualTo("OK");
            assertThat(r.mget("a", "b", "zz").stream().map(kv -> kv.getValueOrElse(null)).toList())
                    .containsExactly("1", "2", null);
            assertThat(r.exists("a", "b", "zz")).isEqualTo(2);
            assertThat(r.del("b")).isEqualTo(1);
            assertThat(r.dbsize()).isEqualTo(3);
            Set<String> keys = new HashSet<>();
            KeyScanCursor<String> page = r.scan(ScanArgs.Builder.limit(1));
            keys.addAll(page.getKeys());
            while (!page.isFinished()) {
                page = r.scan(ScanCursor.of(page.getCursor()), ScanArgs.Builder.limit(1));
                keys.addAll(page.getKeys());
            }
            assertThat(keys).containsExactlyInAnyOrder("k", "n", "a");
            assertThat(r.info("kvkit")).contains("partitions:16");
            assertThat(r.clientSetname("lettuce")).isEqualTo("OK");
            assertThat(r.clientGetname()).isEqualTo("lettuce");
            assertThat(r.clientId()).isPositive();
            assertThat(r.select(0)).isEqualTo("OK");
            assertThat(r.commandCount()).isEqualTo(RespCommandSpec.ALL.size());
            assertThatThrownBy(() -> r.incr("k")).isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            assertThatThrownBy(() -> r.lpush("list", "x")).isInstanceOf(RedisCommandExecutionException.class)
                    .hasMessageStartingWith("ERR unknown command 'LPUSH'");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void lettuceAsyncPipelineOfAThousandCommands() {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", endpoint.localAddress().getPort()));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> a = connection.async();
            List<RedisFuture<?>> futures = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                futures.add(i % 2 == 0 ? a.set("l" + i, "v" + i) : a.incr("lc"));
            }
            connection.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), futures.toArray(RedisFuture[]::new))).isTrue();
            long n = 0;
            for (int i = 0; i < 1000; i++) {
                Object v = futures.get(i).toCompletableFuture().join();
                assertThat(v).isEqualTo(i % 2 == 0 ? "OK" : ++n);
            }
            connection.setAutoFlushCommands(true);
            assertThat(connection.sync().get("lc")).isEqualTo("500");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
