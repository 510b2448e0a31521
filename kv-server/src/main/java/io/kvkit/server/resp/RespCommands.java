package io.kvkit.server.resp;

import com.google.protobuf.ByteString;
import io.kvkit.client.KeyPartitioner;
import io.kvkit.client.ProtocolLimits;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchRequest;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.DeleteRequest;
import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.GetResponse;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.MultiGetRequest;
import io.kvkit.client.proto.PutRequest;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.endpoint.RequestHandler;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Executes RESP commands as kvkit requests through the node's {@link RequestHandler}: every key
 * on the {@code default} table, reads LINEARIZABLE, writes under the connection's
 * {@link RespSession}. A NOT_LEADER, UNAVAILABLE or TIMEOUT answer is retried (same request, so
 * the same seq: a retried write applies once) up to {@link #MAX_ATTEMPTS} times with a short
 * jittered backoff; any other failure answers {@code -ERR <status code>: <message>}.
 *
 * <p>Read-modify-write commands (INCR and friends, APPEND, GETSET, SETNX, SET NX|XX) are
 * compare-and-set loops: each attempt is a new command (a new seq) that applies only if the key
 * still holds what the previous answer said; a mismatch answers the current value, which the
 * next attempt starts from.
 *
 * <p>Threads: the handler is always called on the connection's event loop (completions on other
 * threads hop back to it), as {@link RequestHandler} expects; nothing here blocks.
 */
final class RespCommands {
    /** Attempts per request when the answer says it was not executed or may not have been (NOT_LEADER, UNAVAILABLE, TIMEOUT). */
    static final int MAX_ATTEMPTS = 12;
    static final long INITIAL_BACKOFF_MILLIS = 10;
    static final long MAX_BACKOFF_MILLIS = 250;
    /** Compare-and-set attempts of one read-modify-write command before it gives up (contention). */
    static final int MAX_CAS_ATTEMPTS = 1000;
    /** Requests of one command in flight at once (DEL of many keys, MGET/MSET of many partitions). */
    static final int WINDOW = 64;
    /** Per MULTI_GET and per BATCH: the protocol's default max_batch_operations. */
    static final int MAX_BATCH_OPERATIONS = ProtocolLimits.DEFAULT_MAX_BATCH_OPERATIONS;
    /** Key and value bytes per MSET batch, so a batch stays far below a forwarded frame's limit. */
    static final long MAX_BATCH_BYTES = 1024 * 1024;
    /** Keys per SCAN request: the protocol's default max_scan_limit (COUNT is capped to it). */
    static final int MAX_SCAN_LIMIT = ProtocolLimits.DEFAULT_MAX_SCAN_LIMIT;
    static final String REDIS_VERSION = "7.2.0";
    private static final Set<StatusCode> RETRYABLE = Set.of(StatusCode.NOT_LEADER, StatusCode.UNAVAILABLE, StatusCode.TIMEOUT);
    private static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    private static final String SYNTAX = "ERR syntax error";

    /** Endpoint-wide counters shown by INFO. */
    static final class Counters {
        final AtomicInteger connectedClients = new AtomicInteger();
        final LongAdder connectionsReceived = new LongAdder();
        final LongAdder commandsProcessed = new LongAdder();
        final LongAdder protocolErrors = new LongAdder();
    }

    private final RequestHandler handler;
    private final RespEndpointOptions options;
    private final int partitionCount;
    private final KeyPartitioner partitioner;
    final Counters counters = new Counters();
    private final AtomicLong requestIds = new AtomicLong();
    private final long startedNanos = System.nanoTime();
    volatile int listeningPort;

    RespCommands(RequestHandler handler, RespEndpointOptions options, int partitionCount) {
        this.handler = handler;
        this.options = options;
        this.partitionCount = partitionCount;
        this.partitioner = new KeyPartitioner(partitionCount);
    }

    /** A refused command: the error reply travels as this exception through a chain of futures. */
    private static final class Refused extends RuntimeException {
        final RespReply reply;

        Refused(String error) {
            super(error, null, false, false);
            this.reply = RespReply.error(error);
        }
    }

    /** What a read-modify-write step decides given the key's current value (null: absent). */
    private sealed interface Outcome {
    }

    /** Done without writing. */
    private record Answer(RespReply reply) implements Outcome {
    }

    /** Write {@code value} if the key is still as seen; then answer {@code reply}. */
    private record Write(byte[] value, RespReply reply) implements Outcome {
    }

    /** Executes {@code args} (name first); never fails: errors are error replies. */
    CompletableFuture<RespReply> execute(RespClient c, List<byte[]> args) {
        counters.commandsProcessed.increment();
        String name = lower(args.get(0));
        RespCommandSpec spec = RespCommandSpec.ALL.get(name);
        if (spec == null) {
            return done(unknownCommand(args));
        }
        if (!spec.arityAccepts(args.size())) {
            return done(wrongArity(name));
        }
        CompletableFuture<RespReply> reply;
        try {
            reply = dispatch(c, name, args);
        } catch (Refused r) {
            return done(r.reply);
        } catch (RuntimeException e) {
            return done(RespReply.error("ERR INTERNAL: " + name + " failed on node " + options.nodeId() + ": " + e));
        }
        return reply.exceptionally(e -> {
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return t instanceof Refused r ? r.reply
                    : RespReply.error("ERR INTERNAL: " + name + " failed on node " + options.nodeId() + ": " + t);
        });
    }

    private CompletableFuture<RespReply> dispatch(RespClient c, String name, List<byte[]> a) {
        return switch (name) {
            case "ping" -> switch (a.size()) {
                case 1 -> done(new RespReply.Simple("PONG"));
                case 2 -> done(new RespReply.Bulk(a.get(1)));
                default -> done(wrongArity(name));
            };
            case "echo" -> done(new RespReply.Bulk(a.get(1)));
            case "get" -> get(c, a.get(1)).thenApply(RespReply::bulkOrNull);
            case "set" -> set(c, a);
            case "del" -> del(c, a.subList(1, a.size()));
            case "exists" -> multiGet(c, a.subList(1, a.size())).thenApply(values -> {
                long n = 0;
                for (byte[] v : values) {
                    n += v == null ? 0 : 1;
                }
                return new RespReply.Int(n);
            });
            case "mget" -> multiGet(c, a.subList(1, a.size())).thenApply(values -> {
                List<RespReply> out = new ArrayList<>(values.length);
                for (byte[] v : values) {
                    out.add(RespReply.bulkOrNull(v));
                }
                return new RespReply.Array(out);
            });
            case "mset" -> mset(c, a);
            case "incr" -> incrBy(c, a.get(1), 1);
            case "decr" -> incrBy(c, a.get(1), -1);
            case "incrby" -> incrBy(c, a.get(1), integerArgument(a.get(2)));
            case "decrby" -> {
                long d = integerArgument(a.get(2));
                if (d == Long.MIN_VALUE) {
                    throw new Refused("ERR decrement would overflow");
                }
                yield incrBy(c, a.get(1), -d);
            }
            case "setnx" -> update(c, a.get(1), true, cur -> cur == null ? new Write(a.get(2), new RespReply.Int(1))
                    : new Answer(new RespReply.Int(0)));
            case "getset" -> update(c, a.get(1), false, cur -> new Write(a.get(2), RespReply.bulkOrNull(cur)));
            case "strlen" -> get(c, a.get(1)).thenApply(v -> new RespReply.Int(v == null ? 0 : v.length));
            case "append" -> update(c, a.get(1), false, cur -> {
                byte[] next = concat(cur == null ? new byte[0] : cur, a.get(2));
                return new Write(next, new RespReply.Int(next.length));
            });
            case "scan" -> scan(c, a);
            case "dbsize" -> countKeys(c).thenApply(RespReply.Int::new);
            case "info" -> info(c, a);
            case "command" -> done(command(a));
            case "client" -> done(client(c, a));
            case "config" -> done(config(a));
            case "hello" -> done(hello(c, a));
            case "select" -> {
                Long db = parseInteger(a.get(1));
                if (db == null) {
                    throw new Refused(NOT_INTEGER);
                }
                yield done(db == 0 ? RespReply.OK : RespReply.error("ERR DB index is out of range"));
            }
            case "quit" -> done(RespReply.OK);
            default -> throw new IllegalStateException("command '" + name + "' is in the table but not executed");
        };
    }

    // ------------------------------------------------------------------ strings

    private CompletableFuture<RespReply> set(RespClient c, List<byte[]> a) {
        boolean nx = false;
        boolean xx = false;
        for (int i = 3; i < a.size(); i++) {
            String opt = lower(a.get(i));
            switch (opt) {
                case "nx" -> nx = true;
                case "xx" -> xx = true;
                case "ex", "px", "exat", "pxat", "keepttl" -> throw new Refused("ERR expiry is not supported by kvkit (no TTLs yet)");
                case "get" -> throw new Refused("ERR SET ... GET is not supported by kvkit; GETSET does the same without options");
                default -> throw new Refused(SYNTAX);
            }
        }
        if (nx && xx) {
            throw new Refused(SYNTAX);
        }
        byte[] key = a.get(1);
        byte[] value = a.get(2);
        if (nx) {
            return update(c, key, true, cur -> cur == null ? new Write(value, RespReply.OK) : new Answer(RespReply.NULL_BULK));
        }
        if (xx) {
            return update(c, key, false, cur -> cur == null ? new Answer(RespReply.NULL_BULK) : new Write(value, RespReply.OK));
        }
        return write(c, key, Request.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value))))
                .thenApply(r -> RespReply.OK);
    }

    private CompletableFuture<RespReply> incrBy(RespClient c, byte[] key, long delta) {
        return update(c, key, false, cur -> {
            long now = 0;
            if (cur != null) {
                Long parsed = parseInteger(cur);
                if (parsed == null) {
                    return new Answer(RespReply.error(NOT_INTEGER));
                }
                now = parsed;
            }
            long next;
            try {
                next = Math.addExact(now, delta);
            } catch (ArithmeticException e) {
                return new Answer(RespReply.error("ERR increment or decrement would overflow"));
            }
            return new Write(Long.toString(next).getBytes(StandardCharsets.US_ASCII), new RespReply.Int(next));
        });
    }

    /**
     * A read-modify-write of one key: reads it (or, with {@code assumeAbsent}, starts by
     * expecting it absent, which saves a read when that is the likely case), asks {@code step},
     * and writes by compare-and-set; a mismatch starts over from the value the answer carries.
     */
    private CompletableFuture<RespReply> update(RespClient c, byte[] key, boolean assumeAbsent, Function<byte[], Outcome> step) {
        CompletableFuture<byte[]> first = assumeAbsent ? CompletableFuture.completedFuture(null) : get(c, key);
        return first.thenCompose(cur -> casStep(c, key, cur, step, 1));
    }

    private CompletableFuture<RespReply> casStep(RespClient c, byte[] key, byte[] cur, Function<byte[], Outcome> step, int attempt) {
        Outcome o = step.apply(cur);
        if (o instanceof Answer(RespReply reply)) {
            return done(reply);
        }
        Write w = (Write) o;
        if (attempt > MAX_CAS_ATTEMPTS) {
            return done(RespReply.error("ERR the key changed under " + MAX_CAS_ATTEMPTS
                    + " compare-and-set attempts in a row (too much contention on it); try again"));
        }
        CompareAndSetRequest.Builder cas = CompareAndSetRequest.newBuilder().setKey(bs(key)).setNewValue(bs(w.value()));
        if (cur == null) {
            cas.setExpectAbsent(true);
        } else {
            cas.setExpectedValue(bs(cur));
        }
        return write(c, key, Request.newBuilder().setCompareAndSet(cas)).thenCompose(r -> {
            CompareAndSetResponse res = r.getCompareAndSet();
            if (res.getSucceeded()) {
                return done(w.reply());
            }
            byte[] now = res.getCurrentExists() ? res.getCurrentValue().toByteArray() : null;
            return casStep(c, key, now, step, attempt + 1);
        });
    }

    private CompletableFuture<RespReply> del(RespClient c, List<byte[]> keys) {
        return inWindows(c, keys.size(), i -> write(c, keys.get(i), Request.newBuilder()
                .setDelete(DeleteRequest.newBuilder().setKey(bs(keys.get(i)))))
                .thenApply(r -> r.getDelete().getExisted() ? 1L : 0L))
                .thenApply(existed -> new RespReply.Int(existed.stream().mapToLong(Long::longValue).sum()));
    }

    /** The values of {@code keys} (null: absent), in order: one MULTI_GET per partition and up to {@link #MAX_BATCH_OPERATIONS} keys. */
    private CompletableFuture<byte[][]> multiGet(RespClient c, List<byte[]> keys) {
        byte[][] values = new byte[keys.size()][];
        List<List<Integer>> groups = new ArrayList<>();
        for (List<Integer> inPartition : byPartition(keys.size(), i -> keys.get(i)).values()) {
            for (int from = 0; from < inPartition.size(); from += MAX_BATCH_OPERATIONS) {
                groups.add(inPartition.subList(from, Math.min(inPartition.size(), from + MAX_BATCH_OPERATIONS)));
            }
        }
        return inWindows(c, groups.size(), g -> {
            List<Integer> indexes = groups.get(g);
            MultiGetRequest.Builder m = MultiGetRequest.newBuilder();
            indexes.forEach(i -> m.addKeys(bs(keys.get(i))));
            return read(c, Request.newBuilder().setMultiGet(m)).thenApply(r -> {
                List<GetResponse> results = r.getMultiGet().getResultsList();
                if (results.size() != indexes.size()) {
                    throw new Refused("ERR INTERNAL: a multi_get of " + indexes.size() + " keys was answered with " + results.size()
                            + " results");
                }
                for (int k = 0; k < indexes.size(); k++) {
                    GetResponse one = results.get(k);
                    values[indexes.get(k)] = one.getFound() ? one.getValue().toByteArray() : null;
                }
                return null;
            });
        }).thenApply(ignored -> values);
    }

    /**
     * MSET: one atomic batch per partition (split further past {@link #MAX_BATCH_OPERATIONS}
     * operations or {@link #MAX_BATCH_BYTES}). Redis's MSET is atomic; here it is atomic only
     * within one batch: across partitions a reader may see some keys set and others not yet, and a
     * failure may leave some batches applied (the reply is then an error).
     */
    private CompletableFuture<RespReply> mset(RespClient c, List<byte[]> a) {
        if (a.size() % 2 == 0) {
            return done(wrongArity("mset"));
        }
        int pairs = (a.size() - 1) / 2;
        // a key given twice: only its last value is written (the batches of one partition may run
        // concurrently, so an earlier pair in another batch could otherwise land last)
        Map<java.nio.ByteBuffer, Integer> lastPair = new java.util.HashMap<>();
        for (int i = 0; i < pairs; i++) {
            lastPair.put(java.nio.ByteBuffer.wrap(a.get(1 + 2 * i)), i);
        }
        List<List<Integer>> batches = new ArrayList<>();
        for (List<Integer> inPartition : byPartition(pairs, i -> a.get(1 + 2 * i)).values()) {
            List<Integer> batch = new ArrayList<>();
            long bytes = 0;
            for (int i : inPartition) {
                if (lastPair.get(java.nio.ByteBuffer.wrap(a.get(1 + 2 * i))) != i) {
                    continue;
                }
                long size = a.get(1 + 2 * i).length + a.get(2 + 2 * i).length;
                if (!batch.isEmpty() && (batch.size() >= MAX_BATCH_OPERATIONS || bytes + size > MAX_BATCH_BYTES)) {
                    batches.add(batch);
                    batch = new ArrayList<>();
                    bytes = 0;
                }
                batch.add(i);
                bytes += size;
            }
            if (!batch.isEmpty()) {
                batches.add(batch);
            }
        }
        return inWindows(c, batches.size(), b -> {
            List<Integer> pairsOfBatch = batches.get(b);
            BatchRequest.Builder batch = BatchRequest.newBuilder();
            for (int i : pairsOfBatch) {
                batch.addOperations(BatchOperation.newBuilder().setKind(BatchOperation.Kind.PUT)
                        .setKey(bs(a.get(1 + 2 * i))).setValue(bs(a.get(2 + 2 * i))));
            }
            return write(c, a.get(1 + 2 * pairsOfBatch.getFirst()), Request.newBuilder().setBatch(batch));
        }).thenApply(ignored -> RespReply.OK);
    }

    // ------------------------------------------------------------------ keyspace

    private CompletableFuture<RespReply> scan(RespClient c, List<byte[]> a) {
        RespScanCursor cursor = RespScanCursor.parse(new String(a.get(1), StandardCharsets.ISO_8859_1), partitionCount,
                ProtocolLimits.DEFAULT_MAX_KEY_BYTES);
        if (cursor == null) {
            throw new Refused("ERR invalid cursor");
        }
        GlobPattern match = null;
        long count = 10;
        boolean otherType = false;
        for (int i = 2; i < a.size(); i += 2) {
            if (i + 1 >= a.size()) {
                throw new Refused(SYNTAX);
            }
            switch (lower(a.get(i))) {
                case "match" -> match = new GlobPattern(a.get(i + 1));
                case "count" -> {
                    Long n = parseInteger(a.get(i + 1));
                    if (n == null) {
                        throw new Refused(NOT_INTEGER);
                    }
                    if (n < 1) {
                        throw new Refused(SYNTAX);
                    }
                    count = n;
                }
                case "type" -> otherType = !lower(a.get(i + 1)).equals("string"); // every kvkit value is a string
                default -> throw new Refused(SYNTAX);
            }
        }
        if (otherType) {
            return done(scanReply("0", new ArrayList<>()));
        }
        int budget = (int) Math.min(count, MAX_SCAN_LIMIT);
        return scanStep(c, cursor.partition(), cursor.after(), budget, match, new ArrayList<>());
    }

    /** Scans partitions from {@code p} on until {@code budget} keys were examined or the last partition ends. */
    private CompletableFuture<RespReply> scanStep(RespClient c, int p, byte[] after, int budget, GlobPattern match, List<RespReply> found) {
        return scanPage(c, p, after, budget).thenComposeAsync(r -> {
            List<KeyValue> entries = r.getScan().getEntriesList();
            for (KeyValue e : entries) {
                byte[] key = e.getKey().toByteArray();
                if (match == null || match.matches(key)) {
                    found.add(new RespReply.Bulk(key));
                }
            }
            int left = budget - entries.size();
            boolean partitionDone = !r.getScan().getMore() || entries.isEmpty();
            int nextPartition = partitionDone ? p + 1 : p;
            byte[] nextAfter = partitionDone ? null : entries.getLast().getKey().toByteArray();
            if (nextPartition >= partitionCount || left <= 0) {
                return done(scanReply(RespScanCursor.format(nextPartition, nextAfter, partitionCount), found));
            }
            return scanStep(c, nextPartition, nextAfter, left, match, found);
        }, c.loop);
    }

    private CompletableFuture<Response> scanPage(RespClient c, int p, byte[] after, int limit) {
        ScanRequest.Builder s = ScanRequest.newBuilder().setPartitionId(p).setLimit(limit).setKeysOnly(true);
        if (after != null) {
            s.setStart(bs(concat(after, new byte[] {0}))); // the first key after `after`
        }
        return read(c, Request.newBuilder().setScan(s));
    }

    private static RespReply scanReply(String cursor, List<RespReply> keys) {
        return new RespReply.Array(List.of(RespReply.Bulk.of(cursor), new RespReply.Array(keys)));
    }

    /** DBSIZE: a keys-only scan of every partition, counted. */
    private CompletableFuture<Long> countKeys(RespClient c) {
        return inWindows(c, partitionCount, p -> countPartition(c, p, null, 0))
                .thenApply(counts -> counts.stream().mapToLong(Long::longValue).sum());
    }

    private CompletableFuture<Long> countPartition(RespClient c, int p, byte[] after, long counted) {
        return scanPage(c, p, after, MAX_SCAN_LIMIT).thenComposeAsync(r -> {
            List<KeyValue> entries = r.getScan().getEntriesList();
            long n = counted + entries.size();
            if (!r.getScan().getMore() || entries.isEmpty()) {
                return CompletableFuture.completedFuture(n);
            }
            return countPartition(c, p, entries.getLast().getKey().toByteArray(), n);
        }, c.loop);
    }

    // ------------------------------------------------------------------ server

    private CompletableFuture<RespReply> info(RespClient c, List<byte[]> a) {
        List<String> sections = List.of("server", "clients", "replication", "keyspace", "kvkit");
        List<String> wanted = new ArrayList<>();
        if (a.size() == 1) {
            wanted.addAll(sections);
        }
        for (int i = 1; i < a.size(); i++) {
            String s = lower(a.get(i));
            if (s.equals("all") || s.equals("everything") || s.equals("default")) {
                wanted.addAll(sections);
            } else if (sections.contains(s)) {
                wanted.add(s);
            }
        }
        CompletableFuture<Long> keys = wanted.contains("keyspace") ? countKeys(c) : CompletableFuture.completedFuture(0L);
        return keys.thenApply(n -> {
            StringBuilder b = new StringBuilder();
            for (String s : sections) {
                if (!wanted.contains(s)) {
                    continue;
                }
                if (!b.isEmpty()) {
                    b.append("\r\n");
                }
                switch (s) {
                    case "server" -> {
                        long uptime = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
                        b.append("# Server\r\n").append("redis_version:").append(REDIS_VERSION).append("\r\n")
                                .append("redis_mode:standalone\r\n")
                                .append("kvkit_node_id:").append(options.nodeId()).append("\r\n")
                                .append("os:").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                                .append("\r\n").append("arch_bits:64\r\n")
                                .append("process_id:").append(ProcessHandle.current().pid()).append("\r\n")
                                .append("tcp_port:").append(listeningPort).append("\r\n")
                                .append("uptime_in_seconds:").append(uptime).append("\r\n")
                                .append("uptime_in_days:").append(uptime / 86400).append("\r\n");
                    }
                    case "clients" -> b.append("# Clients\r\n").append("connected_clients:").append(counters.connectedClients.get())
                            .append("\r\n").append("total_connections_received:").append(counters.connectionsReceived.sum())
                            .append("\r\n").append("total_commands_processed:").append(counters.commandsProcessed.sum())
                            .append("\r\n");
                    case "replication" -> b.append("# Replication\r\n")
                            // every node takes writes; replication is per partition, by Raft, not Redis's
                            .append("role:master\r\n").append("connected_slaves:0\r\n")
                            .append("kvkit_replication:raft per partition; any node accepts any command and routes it to the key's leader\r\n");
                    case "keyspace" -> b.append("# Keyspace\r\n").append("db0:keys=").append(n).append(",expires=0,avg_ttl=0\r\n");
                    case "kvkit" -> b.append("# Kvkit\r\n").append("node_id:").append(options.nodeId()).append("\r\n")
                            .append("partitions:").append(partitionCount).append("\r\n")
                            .append("table:default\r\n").append("read_consistency:linearizable\r\n")
                            .append("mset_atomicity:per partition (an MSET spanning partitions is not atomic)\r\n")
                            .append("expiry:unsupported (no TTLs yet)\r\n")
                            .append("databases:1 (SELECT 0 only)\r\n");
                    default -> throw new IllegalStateException(s);
                }
            }
            return new RespReply.Bulk(b.toString().getBytes(StandardCharsets.UTF_8));
        });
    }

    private static RespReply command(List<byte[]> a) {
        if (a.size() == 1) {
            List<RespReply> all = new ArrayList<>();
            RespCommandSpec.ALL.values().forEach(s -> all.add(s.info()));
            return new RespReply.Array(all);
        }
        String sub = lower(a.get(1));
        switch (sub) {
            case "count" -> {
                return a.size() == 2 ? new RespReply.Int(RespCommandSpec.ALL.size()) : wrongArity("command|count");
            }
            case "docs" -> {
                return RespReply.EMPTY_ARRAY; // no documentation: clients (redis-cli) fall back to their own
            }
            case "list" -> {
                List<RespReply> names = new ArrayList<>();
                RespCommandSpec.ALL.keySet().forEach(n -> names.add(RespReply.Bulk.of(n)));
                return new RespReply.Array(names);
            }
            case "info" -> {
                List<RespReply> infos = new ArrayList<>();
                for (int i = 2; i < a.size(); i++) {
                    RespCommandSpec s = RespCommandSpec.ALL.get(lower(a.get(i)));
                    infos.add(s == null ? RespReply.NULL_BULK : s.info());
                }
                return new RespReply.Array(infos);
            }
            default -> {
                return RespReply.error("ERR unknown subcommand '" + printable(a.get(1), 128) + "'. Try COMMAND HELP.");
            }
        }
    }

    /**
     * Read-only answers for the parameters tools ask about (redis-benchmark reads {@code save} and
     * {@code appendonly} before it starts). They describe kvkit as a Redis user would: no RDB
     * dumps, and every write goes to a log (the Raft log) before it is acknowledged.
     */
    private static final Map<String, String> CONFIG = new TreeMap<>(Map.of(
            "save", "",
            "appendonly", "yes",
            "databases", "1"));

    private static RespReply config(List<byte[]> a) {
        String sub = lower(a.get(1));
        switch (sub) {
            case "get" -> {
                if (a.size() < 3) {
                    return wrongArity("config|get");
                }
                Map<String, String> found = new TreeMap<>();
                for (byte[] pattern : a.subList(2, a.size())) {
                    GlobPattern glob = new GlobPattern(lower(pattern).getBytes(StandardCharsets.UTF_8));
                    CONFIG.forEach((k, v) -> {
                        if (glob.matches(k.getBytes(StandardCharsets.UTF_8))) {
                            found.put(k, v);
                        }
                    });
                }
                List<RespReply> pairs = new ArrayList<>();
                found.forEach((k, v) -> {
                    pairs.add(RespReply.Bulk.of(k));
                    pairs.add(RespReply.Bulk.of(v));
                });
                return new RespReply.Array(pairs);
            }
            case "set", "rewrite", "resetstat" -> {
                return RespReply.error("ERR CONFIG " + sub.toUpperCase(Locale.ROOT)
                        + " is not supported by kvkit: a node's settings live in its YAML file (see `kv server --help`)");
            }
            default -> {
                return RespReply.error("ERR unknown subcommand '" + printable(a.get(1), 128) + "'. Try CONFIG HELP.");
            }
        }
    }

    private static RespReply client(RespClient c, List<byte[]> a) {
        String sub = lower(a.get(1));
        switch (sub) {
            case "id" -> {
                return a.size() == 2 ? new RespReply.Int(c.id) : wrongArity("client|id");
            }
            case "getname" -> {
                if (a.size() != 2) {
                    return wrongArity("client|getname");
                }
                String n = c.name;
                return n == null ? RespReply.NULL_BULK : RespReply.Bulk.of(n);
            }
            case "setname" -> {
                if (a.size() != 3) {
                    return wrongArity("client|setname");
                }
                return setName(c, a.get(2));
            }
            case "setinfo" -> {
                if (a.size() != 4) {
                    return wrongArity("client|setinfo");
                }
                String attr = lower(a.get(2));
                return attr.equals("lib-name") || attr.equals("lib-ver") ? RespReply.OK
                        : RespReply.error("ERR Unrecognized option '" + printable(a.get(2), 128) + "'");
            }
            default -> {
                return RespReply.error("ERR unknown subcommand '" + printable(a.get(1), 128) + "'. Try CLIENT HELP.");
            }
        }
    }

    private static RespReply setName(RespClient c, byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                return RespReply.error("ERR Client names cannot contain spaces, newlines or special characters.");
            }
        }
        c.name = name.length == 0 ? null : new String(name, StandardCharsets.US_ASCII);
        return RespReply.OK;
    }

    /** HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only. */
    private RespReply hello(RespClient c, List<byte[]> a) {
        if (a.size() >= 2) {
            Long version = parseInteger(a.get(1));
            if (version == null) {
                return RespReply.error("ERR Protocol version is not an integer or out of range");
            }
            if (version != 2) {
                return RespReply.error("NOPROTO unsupported protocol version (kvkit speaks RESP2 only)");
            }
            String name = null;
            for (int i = 2; i < a.size(); i++) {
                String opt = lower(a.get(i));
                if (opt.equals("auth") && i + 2 < a.size()) {
                    return RespReply.error("ERR kvkit has no users or passwords: HELLO AUTH is not supported");
                } else if (opt.equals("setname") && i + 1 < a.size()) {
                    name = new String(a.get(++i), StandardCharsets.ISO_8859_1);
                } else {
                    return RespReply.error("ERR Syntax error in HELLO option '" + printable(a.get(i), 128) + "'");
                }
            }
            if (name != null) {
                RespReply set = setName(c, name.getBytes(StandardCharsets.ISO_8859_1));
                if (set instanceof RespReply.Error) {
                    return set;
                }
            }
        }
        return new RespReply.Array(List.of(RespReply.Bulk.of("server"), RespReply.Bulk.of("redis"),
                RespReply.Bulk.of("version"), RespReply.Bulk.of(REDIS_VERSION),
                RespReply.Bulk.of("proto"), new RespReply.Int(2),
                RespReply.Bulk.of("id"), new RespReply.Int(c.id),
                RespReply.Bulk.of("mode"), RespReply.Bulk.of("standalone"),
                RespReply.Bulk.of("role"), RespReply.Bulk.of("master"),
                RespReply.Bulk.of("modules"), RespReply.EMPTY_ARRAY));
    }

    // ------------------------------------------------------------------ requests

    private CompletableFuture<byte[]> get(RespClient c, byte[] key) {
        return read(c, Request.newBuilder().setGet(GetRequest.newBuilder().setKey(bs(key))))
                .thenApply(r -> r.getGet().getFound() ? r.getGet().getValue().toByteArray() : null);
    }

    /** A read at LINEARIZABLE consistency; completes with an OK response or fails with {@link Refused}. */
    private CompletableFuture<Response> read(RespClient c, Request.Builder r) {
        r.setConsistency(ReadConsistency.LINEARIZABLE).setRequestId(requestIds.incrementAndGet());
        return call(c, r.build()).thenApply(RespCommands::ok);
    }

    /** A write of {@code key}'s partition under the connection's session (one seq, kept across retries). */
    private CompletableFuture<Response> write(RespClient c, byte[] key, Request.Builder r) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        onLoop(c, () -> writeUnder(c, partitioner.partitionOf(key), r, true, result));
        return result.thenApply(RespCommands::ok);
    }

    /**
     * On the loop. A partition that forgot the session (the connection was idle there for long,
     * or the session table's bounds evicted it) answers SESSION_EXPIRED without executing. If
     * that is the answer to the first attempt, nothing was applied: the connection takes a fresh
     * session and the command is sent once more under it. After a retry the first attempt may
     * have applied, so the error goes to the client.
     */
    private void writeUnder(RespClient c, int p, Request.Builder r, boolean mayRenew, CompletableFuture<Response> result) {
        RespSession session = c.session;
        long seq = session.begin();
        Request request = r.setRequestId(requestIds.incrementAndGet()).setSession(session.toWire(seq, p)).build();
        int[] attempts = new int[1];
        call(c, request, attempts).whenComplete((resp, err) -> {
            session.end(seq);
            if (err != null) {
                result.completeExceptionally(err);
                return;
            }
            StatusCode code = resp.getStatus().getCode();
            if (code == StatusCode.OK) {
                session.answered(p);
            } else if (code == StatusCode.SESSION_EXPIRED && attempts[0] == 1 && mayRenew && !c.closed) {
                if (c.session == session) {
                    c.session = RespSession.random();
                }
                writeUnder(c, p, r, false, result);
                return;
            }
            result.complete(resp);
        });
    }

    /** Sends {@code request} (on the connection's loop), retrying NOT_LEADER, UNAVAILABLE and TIMEOUT answers. */
    private CompletableFuture<Response> call(RespClient c, Request request) {
        return call(c, request, new int[1]);
    }

    /** As {@link #call(RespClient, Request)}; {@code attempts[0]} says how many attempts were made. */
    private CompletableFuture<Response> call(RespClient c, Request request, int[] attempts) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        onLoop(c, () -> attempt(c, request, 1, result, attempts));
        return result;
    }

    private void attempt(RespClient c, Request request, int n, CompletableFuture<Response> result, int[] attempts) {
        attempts[0] = n;
        if (c.closed) {
            result.completeExceptionally(new Refused("ERR the connection is closed"));
            return;
        }
        CompletableFuture<Response> f;
        try {
            f = handler.handle(request);
            if (f == null) {
                f = CompletableFuture.failedFuture(new IllegalStateException("the request handler returned no future"));
            }
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((resp, err) -> onLoop(c, () -> {
            if (err != null) {
                Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                result.completeExceptionally(new Refused("ERR INTERNAL: node " + options.nodeId() + " failed on the "
                        + request.getBodyCase() + " request: " + t));
                return;
            }
            if (resp == null) {
                result.completeExceptionally(new Refused("ERR INTERNAL: no response to the " + request.getBodyCase() + " request"));
                return;
            }
            if (RETRYABLE.contains(resp.getStatus().getCode()) && n < MAX_ATTEMPTS && !c.closed) {
                try {
                    c.loop.schedule(() -> attempt(c, request, n + 1, result, attempts), backoffMillis(n), TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException e) {
                    // shutting down: answer what we have
                }
            }
            result.complete(resp);
        }));
    }

    private static long backoffMillis(int attempt) {
        long d = Math.min(MAX_BACKOFF_MILLIS, INITIAL_BACKOFF_MILLIS << Math.min(attempt - 1, 20));
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1);
    }

    private static void onLoop(RespClient c, Runnable r) {
        if (c.loop.inEventLoop()) {
            r.run();
            return;
        }
        try {
            c.loop.execute(r);
        } catch (RejectedExecutionException e) {
            c.closed = true; // the endpoint is closing: r sees it and fails its command
            r.run();
        }
    }

    private static Response ok(Response r) {
        if (r.getStatus().getCode() != StatusCode.OK) {
            String m = r.getStatus().getMessage();
            throw new Refused("ERR " + r.getStatus().getCode() + (m.isEmpty() ? "" : ": " + m));
        }
        return r;
    }

    /** Runs {@code n} tasks at most {@link #WINDOW} at a time; their results in order. */
    private static <T> CompletableFuture<List<T>> inWindows(RespClient c, int n, IntFunction<CompletableFuture<T>> task) {
        Object[] results = new Object[n];
        return windowFrom(c, 0, n, task, results).thenApply(v -> {
            List<T> out = new ArrayList<>(n);
            for (Object o : results) {
                @SuppressWarnings("unchecked") T t = (T) o;
                out.add(t);
            }
            return out;
        });
    }

    private static <T> CompletableFuture<Void> windowFrom(RespClient c, int start, int n, IntFunction<CompletableFuture<T>> task,
                                                          Object[] results) {
        if (start >= n) {
            return CompletableFuture.completedFuture(null);
        }
        int end = Math.min(n, start + WINDOW);
        CompletableFuture<?>[] running = new CompletableFuture<?>[end - start];
        for (int i = start; i < end; i++) {
            int index = i;
            running[i - start] = task.apply(i).thenAccept(v -> results[index] = v);
        }
        // the next window starts from the loop, not from inside the last completion (no deep stacks)
        return CompletableFuture.allOf(running).thenComposeAsync(v -> windowFrom(c, end, n, task, results), c.loop);
    }

    /** Indexes 0..n-1 grouped by the partition of {@code keyOf(i)}, in order within each. */
    private Map<Integer, List<Integer>> byPartition(int n, IntFunction<byte[]> keyOf) {
        Map<Integer, List<Integer>> m = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            m.computeIfAbsent(partitioner.partitionOf(keyOf.apply(i)), p -> new ArrayList<>()).add(i);
        }
        return m;
    }

    // ------------------------------------------------------------------ words

    /** Redis's strict 64-bit integer: optional '-', no leading zeros or '+' or spaces; null if not one. */
    static Long parseInteger(byte[] s) {
        if (s.length == 0 || s.length > 20) {
            return null;
        }
        if (s.length == 1 && s[0] == '0') {
            return 0L;
        }
        int i = 0;
        boolean negative = s[0] == '-';
        if (negative) {
            i++;
        }
        if (i >= s.length || s[i] < '1' || s[i] > '9') {
            return null;
        }
        long v = 0;
        for (; i < s.length; i++) {
            if (s[i] < '0' || s[i] > '9') {
                return null;
            }
            int d = s[i] - '0';
            // accumulate negatively: Long.MIN_VALUE has no positive counterpart
            if (v < (Long.MIN_VALUE + d) / 10) {
                return null;
            }
            v = v * 10 - d;
        }
        if (!negative) {
            if (v == Long.MIN_VALUE) {
                return null;
            }
            v = -v;
        }
        return v;
    }

    private static long integerArgument(byte[] s) {
        Long v = parseInteger(s);
        if (v == null) {
            throw new Refused(NOT_INTEGER);
        }
        return v;
    }

    private static RespReply wrongArity(String name) {
        return RespReply.error("ERR wrong number of arguments for '" + name + "' command");
    }

    /** Redis's wording: the name, then the first arguments quoted, about 128 characters of them. */
    static RespReply unknownCommand(List<byte[]> args) {
        StringBuilder quoted = new StringBuilder();
        for (int i = 1; i < args.size() && quoted.length() < 128; i++) {
            quoted.append('\'').append(printable(args.get(i), 128 - quoted.length())).append("' ");
        }
        return RespReply.error("ERR unknown command '" + printable(args.get(0), 128) + "', with args beginning with: " + quoted);
    }

    private static String printable(byte[] b, int max) {
        String s = new String(b, 0, Math.min(b.length, Math.max(max, 0)), StandardCharsets.UTF_8);
        return s.replace('\r', ' ').replace('\n', ' ');
    }

    static String lower(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    }

    private static ByteString bs(byte[] b) {
        return ByteString.copyFrom(b);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static <T> CompletableFuture<T> done(T v) {
        return CompletableFuture.completedFuture(v);
    }
}
