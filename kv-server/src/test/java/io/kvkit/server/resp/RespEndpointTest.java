package io.kvkit.server.resp;

import io.kvkit.server.resp.RespTestClient.Err;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The endpoint over a socket against the map-backed fake node: every command, ordering, retries, bad input. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RespEndpointTest {
    static final int PARTITIONS = 8;
    private ScheduledExecutorService delays;
    private FakeKvHandler node;
    private RespEndpoint endpoint;

    @BeforeEach
    void start() {
        delays = Executors.newScheduledThreadPool(2);
        // odd request ids complete later, on another thread, after up to 2 ms: replies complete out of order
        Executor offLoop = r -> delays.schedule(r, ThreadLocalRandom.current().nextInt(2000), TimeUnit.MICROSECONDS);
        node = new FakeKvHandler(PARTITIONS, offLoop);
        endpoint = RespEndpoint.start(RespEndpointOptions.defaults("127.0.0.1", 0, 7), node, PARTITIONS);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        delays.shutdownNow();
    }

    private RespTestClient client() {
        return new RespTestClient(endpoint.localAddress());
    }

    @Test
    void stringCommandsAnswerAsRedisDoes() {
        try (RespTestClient c = client()) {
            assertThat(c.call("PING")).isEqualTo("PONG");
            assertThat(c.call("ping", "hi")).isEqualTo("hi");
            assertThat(c.call("ECHO", "x y")).isEqualTo("x y");
            assertThat(c.call("GET", "k")).isNull();
            assertThat(c.call("SET", "k", "v1")).isEqualTo("OK");
            assertThat(c.call("get", "k")).isEqualTo("v1");
            assertThat(node.value("k")).isEqualTo("v1".getBytes());
            assertThat(c.call("SET", "k", "v2", "NX")).isNull();
            assertThat(c.call("SET", "k", "v2", "XX")).isEqualTo("OK");
            assertThat(c.call("SET", "absent", "v", "XX")).isNull();
            assertThat(c.call("SET", "nx", "v", "nx")).isEqualTo("OK");
            assertThat(c.call("GET", "k")).isEqualTo("v2");
            assertThat(c.call("SET", "k", "v", "NX", "XX")).isEqualTo(new Err("ERR syntax error"));
            assertThat(c.call("SET", "k", "v", "BOGUS")).isEqualTo(new Err("ERR syntax error"));
            for (String ttl : List.of("EX", "PX", "EXAT", "PXAT", "KEEPTTL")) {
                assertThat(c.call("SET", "k", "v", ttl, "10")).isEqualTo(new Err("ERR expiry is not supported by kvkit (no TTLs yet)"));
            }
            assertThat(c.call("GET", "k")).as("a refused SET writes nothing").isEqualTo("v2");

            assertThat(c.call("SETNX", "n", "1")).isEqualTo(1L);
            assertThat(c.call("SETNX", "n", "2")).isEqualTo(0L);
            assertThat(c.call("GETSET", "n", "3")).isEqualTo("1");
            assertThat(c.call("GETSET", "fresh", "3")).isNull();
            assertThat(c.call("STRLEN", "k")).isEqualTo(2L);
            assertThat(c.call("STRLEN", "nope")).isEqualTo(0L);
            assertThat(c.call("APPEND", "ap", "ab")).isEqualTo(2L);
            assertThat(c.call("APPEND", "ap", "cde")).isEqualTo(5L);
            assertThat(c.call("GET", "ap")).isEqualTo("abcde");

            assertThat(c.call("INCR", "i")).isEqualTo(1L);
            assertThat(c.call("INCRBY", "i", "41")).isEqualTo(42L);
            assertThat(c.call("DECR", "i")).isEqualTo(41L);
            assertThat(c.call("DECRBY", "i", "-9")).isEqualTo(50L);
            assertThat(c.call("INCRBY", "i", "-100")).isEqualTo(-50L);
            assertThat(c.call("INCR", "ap")).isEqualTo(new Err("ERR value is not an integer or out of range"));
            assertThat(c.call("INCRBY", "i", "1.5")).isEqualTo(new Err("ERR value is not an integer or out of range"));
            assertThat(c.call("INCRBY", "i", "+1")).isEqualTo(new Err("ERR value is not an integer or out of range"));
            assertThat(c.call("SET", "big", Long.toString(Long.MAX_VALUE))).isEqualTo("OK");
            assertThat(c.call("INCR", "big")).isEqualTo(new Err("ERR increment or decrement would overflow"));
            assertThat(c.call("GET", "big")).isEqualTo(Long.toString(Long.MAX_VALUE));
            assertThat(c.call("DECRBY", "i", Long.toString(Long.MIN_VALUE))).isEqualTo(new Err("ERR decrement would overflow"));
            assertThat(c.call("SET", "lead0", "007")).isEqualTo("OK");
            assertThat(c.call("INCR", "lead0")).as("Redis refuses leading zeros").isEqualTo(new Err("ERR value is not an integer or out of range"));

            assertThat(c.call("MSET", "a", "1", "b", "2", "c", "3", "a", "4")).isEqualTo("OK");
            assertThat(c.call("MGET", "a", "b", "zz", "c")).isEqualTo(java.util.Arrays.asList("4", "2", null, "3"));
            assertThat(c.call("EXISTS", "a", "b", "zz", "a")).isEqualTo(3L);
            assertThat(c.call("DEL", "a", "b", "zz", "a")).isEqualTo(2L);
            assertThat(c.call("EXISTS", "a", "b")).isEqualTo(0L);
            assertThat(c.call("MSET", "a", "1", "b")).isEqualTo(new Err("ERR wrong number of arguments for 'mset' command"));
        }
    }

    @Test
    void anMsetSplitIntoSeveralBatchesPerPartitionStillLeavesTheLastValueOfARepeatedKey() {
        try (RespTestClient c = client()) {
            for (int round = 0; round < 5; round++) {
                List<String> words = new ArrayList<>(List.of("MSET", "dup", "first-" + round));
                String filler = "f".repeat(64 * 1024);
                for (int i = 0; i < 160; i++) { // about 10 MiB: more than one 1 MiB batch per partition
                    words.add("filler" + i);
                    words.add(filler);
                }
                words.add("dup");
                words.add("last-" + round);
                assertThat(c.call(words.toArray(String[]::new))).isEqualTo("OK");
                assertThat(c.call("GET", "dup")).isEqualTo("last-" + round);
            }
        }
    }

    @Test
    void connectionAndServerCommands() {
        try (RespTestClient c = client(); RespTestClient other = client()) {
            assertThat(c.call("CLIENT", "GETNAME")).isNull();
            assertThat(c.call("CLIENT", "SETNAME", "worker-1")).isEqualTo("OK");
            assertThat(c.call("client", "getname")).isEqualTo("worker-1");
            assertThat(c.call("CLIENT", "SETNAME", "bad name")).isEqualTo(
                    new Err("ERR Client names cannot contain spaces, newlines or special characters."));
            long id = (Long) c.call("CLIENT", "ID");
            assertThat((Long) other.call("CLIENT", "ID")).isNotEqualTo(id);
            assertThat(c.call("CLIENT", "SETINFO", "LIB-NAME", "test")).isEqualTo("OK");
            assertThat(c.call("CLIENT", "KILL", "x")).isEqualTo(new Err("ERR unknown subcommand 'KILL'. Try CLIENT HELP."));

            @SuppressWarnings("unchecked") List<Object> hello = (List<Object>) c.call("HELLO", "2", "SETNAME", "h");
            assertThat(hello).containsSubsequence((Object) "proto", 2L).containsSubsequence((Object) "id", id).contains("server", "redis");
            assertThat(c.call("CLIENT", "GETNAME")).isEqualTo("h");
            assertThat(((Err) c.call("HELLO", "3")).text()).startsWith("NOPROTO");
            assertThat(c.call("HELLO", "x")).isEqualTo(new Err("ERR Protocol version is not an integer or out of range"));
            assertThat(((Err) c.call("HELLO", "2", "AUTH", "u", "p")).text()).startsWith("ERR");

            assertThat(c.call("SELECT", "0")).isEqualTo("OK");
            assertThat(c.call("SELECT", "1")).isEqualTo(new Err("ERR DB index is out of range"));
            assertThat(c.call("SELECT", "x")).isEqualTo(new Err("ERR value is not an integer or out of range"));

            // what redis-benchmark asks before it starts; read-only
            assertThat(c.call("CONFIG", "GET", "save")).isEqualTo(List.of("save", ""));
            assertThat(c.call("config", "get", "appendonly")).isEqualTo(List.of("appendonly", "yes"));
            assertThat(c.call("CONFIG", "GET", "*a*", "save")).isEqualTo(List.of("appendonly", "yes", "databases", "1", "save", ""));
            assertThat(c.call("CONFIG", "GET", "maxmemory")).isEqualTo(List.of());
            assertThat(((Err) c.call("CONFIG", "SET", "save", "")).text()).startsWith("ERR CONFIG SET is not supported by kvkit");
            assertThat(c.call("CONFIG", "GET")).isEqualTo(new Err("ERR wrong number of arguments for 'config|get' command"));

            assertThat(c.call("COMMAND", "DOCS")).isEqualTo(List.of());
            long count = (Long) c.call("COMMAND", "COUNT");
            assertThat(count).isEqualTo(RespCommandSpec.ALL.size());
            List<?> all = (List<?>) c.call("COMMAND");
            assertThat(all).hasSize((int) count);
            @SuppressWarnings("unchecked") List<Object> get = (List<Object>) ((List<?>) c.call("COMMAND", "INFO", "get")).getFirst();
            assertThat(get.subList(0, 2)).containsExactly((Object) "get", 2L);

            assertThat(c.call("FLUSHALL")).isEqualTo(new Err("ERR unknown command 'FLUSHALL', with args beginning with: "));
            assertThat(c.call("hset", "h", "f", "v")).isEqualTo(new Err("ERR unknown command 'hset', with args beginning with: 'h' 'f' 'v' "));
            assertThat(c.call("GET")).isEqualTo(new Err("ERR wrong number of arguments for 'get' command"));
            assertThat(c.call("GET", "a", "b")).isEqualTo(new Err("ERR wrong number of arguments for 'get' command"));
            assertThat(c.call("PING", "a", "b")).isEqualTo(new Err("ERR wrong number of arguments for 'ping' command"));

            c.call("SET", "x", "1");
            String info = (String) c.call("INFO");
            assertThat(info).contains("# Server", "redis_version:", "# Clients", "connected_clients:2", "# Replication", "role:master",
                    "# Keyspace", "db0:keys=1,", "# Kvkit", "node_id:7", "partitions:8", "mset_atomicity:per partition");
            String kv = (String) c.call("INFO", "kvkit");
            assertThat(kv).startsWith("# Kvkit").doesNotContain("# Server");
            assertThat(c.call("DBSIZE")).isEqualTo(1L);

            assertThat(c.call("QUIT")).isEqualTo("OK");
            assertThat(c.closedByServer()).isTrue();
            assertThat(other.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void scanVisitsEveryKeyOnceAcrossPartitionsWithMatchAndCount() {
        try (RespTestClient c = client()) {
            Set<String> all = new HashSet<>();
            List<String> mset = new ArrayList<>(List.of("MSET"));
            for (int i = 0; i < 500; i++) {
                String k = (i % 5 == 0 ? "user:" : "item:") + i;
                all.add(k);
                mset.add(k);
                mset.add("v" + i);
            }
            assertThat(c.call(mset.toArray(String[]::new))).isEqualTo("OK");
            assertThat(node.size()).isEqualTo(500);
            assertThat(c.call("DBSIZE")).isEqualTo(500L);
            for (int count : new int[] {1, 7, 10, 1000}) {
                List<String> seen = new ArrayList<>();
                String cursor = "0";
                int calls = 0;
                do {
                    List<?> r = (List<?>) c.call("SCAN", cursor, "COUNT", Integer.toString(count));
                    cursor = (String) r.get(0);
                    ((List<?>) r.get(1)).forEach(k -> seen.add((String) k));
                    calls++;
                } while (!cursor.equals("0") && calls < 10_000);
                assertThat(seen).as("COUNT %d", count).hasSize(500);
                assertThat(new HashSet<>(seen)).isEqualTo(all);
            }
            List<String> users = new ArrayList<>();
            String cursor = "0";
            do {
                List<?> r = (List<?>) c.call("scan", cursor, "MATCH", "user:*", "COUNT", "50");
                cursor = (String) r.get(0);
                ((List<?>) r.get(1)).forEach(k -> users.add((String) k));
            } while (!cursor.equals("0"));
            assertThat(users).hasSize(100).allMatch(k -> k.startsWith("user:"));
            assertThat(c.call("SCAN", "0", "TYPE", "hash")).isEqualTo(List.of("0", List.of()));
            assertThat(c.call("SCAN", "junk")).isEqualTo(new Err("ERR invalid cursor"));
            assertThat(c.call("SCAN", "99:00")).isEqualTo(new Err("ERR invalid cursor"));
            assertThat(c.call("SCAN", "0", "COUNT", "0")).isEqualTo(new Err("ERR syntax error"));
            assertThat(c.call("SCAN", "0", "MATCH")).isEqualTo(new Err("ERR syntax error"));
        }
    }

    @Test
    void aPipelineIsAnsweredInOrderThoughItsRepliesCompleteOutOfOrder() {
        try (RespTestClient c = client()) {
            ByteArrayOutputStream pipeline = new ByteArrayOutputStream();
            int n = 3000;
            for (int i = 0; i < n; i++) {
                switch (i % 3) {
                    case 0 -> pipeline.writeBytes(RespTestClient.encode("SET", "p" + i, "v" + i));
                    case 1 -> pipeline.writeBytes(RespTestClient.encode("GET", "p" + (i - 1)));
                    default -> pipeline.writeBytes(("INCR counter\r\n").getBytes(StandardCharsets.US_ASCII));
                }
            }
            c.send(pipeline.toByteArray());
            long counter = 0;
            for (int i = 0; i < n; i++) {
                Object r = c.read();
                switch (i % 3) {
                    case 0 -> assertThat(r).as("reply %d", i).isEqualTo("OK");
                    case 1 -> assertThat(r).as("reply %d", i).isEqualTo("v" + (i - 1));
                    default -> assertThat(r).as("reply %d", i).isEqualTo(++counter);
                }
            }
        }
    }

    @Test
    void retriedWritesKeepTheirSeqAndApplyOnce() {
        try (RespTestClient c = client()) {
            node.notLeaderNext.set(3);
            assertThat(c.call("SET", "r", "1")).isEqualTo("OK");
            long before = node.writesApplied.get();
            node.timeoutAfterApplyNext.set(1); // the INCR's CAS applies, its answer is lost, the retry gets the remembered one
            assertThat(c.call("INCR", "r")).isEqualTo(2L);
            assertThat(c.call("GET", "r")).isEqualTo("2");
            assertThat(node.writesApplied.get() - before).isEqualTo(1);

            node.notLeaderNext.set(1000); // more than the retries: the status reaches the client
            assertThat(((Err) c.call("SET", "r", "3")).text()).startsWith("ERR NOT_LEADER: not the leader");
            node.notLeaderNext.set(0);
            assertThat(c.call("GET", "r")).isEqualTo("2");
        }
    }

    @Test
    void writesCarryOneSessionPerConnectionWithIncreasingSeqs() {
        node.keepLog = true;
        try (RespTestClient c = client()) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.call("SET", "s" + i, "v")).isEqualTo("OK");
            }
        }
        List<io.kvkit.client.proto.Session> sessions = node.log.stream().filter(io.kvkit.client.proto.Request::hasSession)
                .map(io.kvkit.client.proto.Request::getSession).toList();
        assertThat(sessions).hasSize(20);
        assertThat(sessions.stream().map(io.kvkit.client.proto.Session::getClientId).distinct()).hasSize(1).doesNotContain(0L);
        for (int i = 0; i < sessions.size(); i++) {
            assertThat(sessions.get(i).getSeq()).isEqualTo(i + 1);
            assertThat(sessions.get(i).getFirstIncompleteSeq()).isEqualTo(i + 1);
        }
        // the first write to each partition opens the session there; later ones do not
        Set<Integer> opened = new HashSet<>();
        for (io.kvkit.client.proto.Request r : node.log) {
            int p = node.partitionOf(r.getPut().getKey().toByteArray());
            assertThat(r.getSession().getOpen()).as("open on partition %d", p).isEqualTo(opened.add(p));
        }
    }

    @Test
    void aForgottenSessionIsReplacedAndTheCommandResentWhenNothingCanHaveApplied() {
        node.keepLog = true;
        try (RespTestClient c = client()) {
            assertThat(c.call("SET", "s", "1")).isEqualTo("OK");
            node.forgetSessions(); // the partition answers SESSION_EXPIRED to the next write (open = false)
            assertThat(c.call("INCR", "s")).isEqualTo(2L);
            assertThat(c.call("GET", "s")).isEqualTo("2");
        }
        List<io.kvkit.client.proto.Request> writes = node.log.stream().filter(io.kvkit.client.proto.Request::hasSession).toList();
        long first = writes.getFirst().getSession().getClientId();
        long last = writes.getLast().getSession().getClientId();
        assertThat(last).as("a fresh session after SESSION_EXPIRED").isNotEqualTo(first).isNotZero();
        assertThat(writes.getLast().getSession().getOpen()).isTrue();
        assertThat(writes.getLast().getSession().getSeq()).isEqualTo(1);
    }

    @Test
    void nodeErrorsBecomeErrReplies() {
        try (RespTestClient c = client()) {
            String big = "x".repeat(FakeKvHandler.MAX_VALUE_BYTES + 1);
            Object r = c.call("SET", "big", big);
            assertThat(((Err) r).text()).startsWith("ERR INVALID_ARGUMENT: value of 4194305 bytes is over max_value_bytes");
            assertThat(c.call("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void badInputIsAnsweredWithAProtocolErrorAndClosesOnlyThatConnection() {
        try (RespTestClient keeper = client()) {
            assertThat(keeper.call("SET", "keep", "1")).isEqualTo("OK");
            for (String bad : List.of("*1\r\n$2147483648\r\n", "*2\r\n*1\r\n$1\r\na\r\n", "*1\r\n$-7\r\n", "*abc\r\n",
                    "x".repeat(70_000))) {
                try (RespTestClient c = client()) {
                    c.send("*1\r\n$4\r\nPING\r\n" + bad);
                    assertThat(c.read()).isEqualTo("PONG"); // replies owed before the bad input still come, in order
                    Object r = c.read();
                    assertThat(r).isInstanceOf(Err.class);
                    assertThat(((Err) r).text()).startsWith("ERR Protocol error: ");
                    assertThat(c.closedByServer()).as("closed after %s", bad.substring(0, Math.min(20, bad.length()))).isTrue();
                }
            }
            assertThat(keeper.call("GET", "keep")).isEqualTo("1");
        }
        assertThat(endpoint.protocolErrors()).isEqualTo(5);
    }

    @Test
    void fuzzedAndTruncatedInputNeverStopsTheEndpoint() {
        long seed = System.nanoTime();
        System.out.println("RespEndpointTest fuzz seed " + seed);
        Random random = new Random(seed);
        byte[] valid = RespTestClient.encode("SET", "fuzz", "value");
        for (int round = 0; round < 150; round++) {
            try (RespTestClient c = client()) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                switch (random.nextInt(4)) {
                    case 0 -> { // random bytes
                        byte[] junk = new byte[1 + random.nextInt(300)];
                        random.nextBytes(junk);
                        b.writeBytes(junk);
                    }
                    case 1 -> b.write(valid, 0, random.nextInt(valid.length)); // truncated frame
                    case 2 -> { // a valid frame with one byte changed
                        byte[] v = valid.clone();
                        v[random.nextInt(v.length)] = (byte) random.nextInt(256);
                        b.writeBytes(v);
                    }
                    default -> { // RESP-looking tokens in random order
                        String[] tokens = {"*", "$", "-1", "2147483648", "\r\n", "3", "PING", "*2", "$4", "\n", "\"", "'", " "};
                        for (int i = 0; i < 20; i++) {
                            b.writeBytes(tokens[random.nextInt(tokens.length)].getBytes(StandardCharsets.US_ASCII));
                        }
                    }
                }
                c.send(b.toByteArray());
            }
        }
        try (RespTestClient c = client()) {
            assertThat(c.call("PING")).isEqualTo("PONG");
            assertThat(c.call("SET", "after", "fuzz")).isEqualTo("OK");
            assertThat(c.call("GET", "after")).isEqualTo("fuzz");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (endpoint.connectedClients() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(endpoint.connectedClients()).as("every fuzzed connection is gone (seed %d)", seed).isZero();
    }
}
