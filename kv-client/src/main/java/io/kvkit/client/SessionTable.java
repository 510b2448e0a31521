package io.kvkit.client;

import io.kvkit.client.proto.Session;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The exactly-once table of a replicated state machine (Raft thesis §6.3, "Implementing
 * linearizable semantics"), for clients that pipeline: per client id it remembers the replies of
 * the commands it applied, so that a retried command is answered with its first reply instead of
 * being applied again.
 *
 * <p>Use it only on the apply path, in log order, on every replica:
 * <pre>{@code
 * switch (sessions.check(session, index)) {
 *     case SessionTable.Apply a     -> { byte[] reply = apply(command); sessions.record(session, reply, index); answer(reply); }
 *     case SessionTable.Duplicate d -> answer(d.reply());        // applied before: same answer, no new effect
 *     case SessionTable.Expired e   -> answer(SESSION_EXPIRED, e.reason());
 * }
 * }</pre>
 *
 * <p><b>Why a window, not one "last seq".</b> A client with many commands in flight (and one
 * sequence for all partitions) has them applied out of order; remembering only the last seq
 * would turn a late seq 4 after seq 5 into a false duplicate, a lost write. So each client keeps
 * the replies of every applied seq at or above its <em>floor</em>: the lowest seq the client
 * still waits for ({@code first_incomplete_seq}, sent with every command), below which the client
 * promises never to retry. A seq below the floor is answered {@link Expired} (never re-applied).
 *
 * <p><b>Deterministic bounds.</b> Every decision depends only on the commands and their log
 * indexes, never on a clock, so all replicas agree: a client idle for more than
 * {@code maxIdleEntries} log entries is forgotten, at most {@code maxClients} clients are kept
 * (least recently active forgotten first), at most {@code maxRepliesPerClient} replies per
 * client (the lowest seq forgotten first, raising the floor) and at most
 * {@code maxTotalReplyBytes} of replies (least recently active clients forgotten first). A
 * command of a forgotten client is {@link Expired} unless it says {@code open} (the client has
 * never had an answer from this partition), which creates the session. All replicas must use the
 * same {@link Options}.
 *
 * <p><b>Residual risk</b>, stated: a command whose first attempt applied, whose session was then
 * forgotten, and which is retried still carrying {@code open} (no answer reached the client)
 * applies twice. It needs the client to stay silent on that partition for {@code maxIdleEntries}
 * entries while retrying within its deadline; keep {@code maxIdleEntries} far above the number
 * of entries a partition commits during a client deadline.
 *
 * <p>Not thread-safe: the state machine's apply thread owns it. {@link #toBytes()} and
 * {@link #fromBytes} carry it in a snapshot.
 */
public final class SessionTable {

    /**
     * Bounds, identical on every replica.
     *
     * @param maxClients          clients remembered
     * @param maxRepliesPerClient replies remembered per client (the pipelining window)
     * @param maxIdleEntries      log entries without a command of a client after which it is forgotten
     * @param maxTotalReplyBytes  bytes of replies remembered over all clients
     */
    public record Options(int maxClients, int maxRepliesPerClient, long maxIdleEntries, long maxTotalReplyBytes) {
        public Options {
            if (maxClients < 1 || maxRepliesPerClient < 1 || maxIdleEntries < 1 || maxTotalReplyBytes < 1) {
                throw new IllegalArgumentException("every session table bound must be >= 1, got maxClients=" + maxClients
                        + " maxRepliesPerClient=" + maxRepliesPerClient + " maxIdleEntries=" + maxIdleEntries
                        + " maxTotalReplyBytes=" + maxTotalReplyBytes);
            }
        }

        /** 100,000 clients, 1,024 replies each, forgotten after 1,000,000 idle entries, 64 MiB of replies. */
        public static Options defaults() {
            return new Options(100_000, 1024, 1_000_000L, 64L << 20);
        }
    }

    /** What to do with a command. */
    public sealed interface Decision permits Apply, Duplicate, Expired {}

    /** Not applied before: apply it, then {@link #record} its reply. */
    public record Apply() implements Decision {}

    /** Applied before: answer with this reply and do not apply again. */
    public record Duplicate(byte[] reply) implements Decision {}

    /** The table cannot tell whether the command applied: answer SESSION_EXPIRED with this reason. */
    public record Expired(String reason) implements Decision {}

    private static final Apply APPLY = new Apply();
    private static final int MAGIC = 0x4B565354; // "KVST"
    private static final byte FORMAT_VERSION = 1;

    private static final class ClientState {
        long floor;
        long lastIndex;
        final TreeMap<Long, byte[]> replies = new TreeMap<>();
    }

    private final Options options;
    /** In order of last activity, least recent first: eviction takes from the head. */
    private final LinkedHashMap<Long, ClientState> clients = new LinkedHashMap<>();
    private long highestIndex;
    private long totalReplyBytes;

    public SessionTable(Options options) {
        this.options = options;
    }

    public Options options() {
        return options;
    }

    public int clientCount() {
        return clients.size();
    }

    public long totalReplyBytes() {
        return totalReplyBytes;
    }

    /** The highest log index seen by {@link #record}. */
    public long highestIndex() {
        return highestIndex;
    }

    /** {@link #check(long, long, long, boolean, long)} with the fields of a wire session. */
    public Decision check(Session s, long logIndex) {
        return check(s.getClientId(), s.getSeq(), s.getFirstIncompleteSeq(), s.getOpen(), logIndex);
    }

    /**
     * Decides about the command {@code (clientId, seq)} at {@code logIndex}. Changes nothing
     * (a client that {@link #record} would forget at this index counts as forgotten already).
     */
    public Decision check(long clientId, long seq, long firstIncompleteSeq, boolean open, long logIndex) {
        checkIds(clientId, seq);
        ClientState c = clients.get(clientId);
        if (c != null && idleAt(c, logIndex)) {
            c = null;
        }
        if (c == null) {
            return open ? APPLY : new Expired("the session of client " + Long.toUnsignedString(clientId)
                    + " is not known here (forgotten after idling or by the client bound, or never opened): seq " + seq
                    + " may or may not have applied; start a new session");
        }
        if (seq < c.floor) {
            return new Expired("seq " + seq + " of client " + Long.toUnsignedString(clientId) + " is below its floor " + c.floor
                    + " (acknowledged by the client or beyond the window of " + options.maxRepliesPerClient()
                    + " replies): it may or may not have applied");
        }
        byte[] reply = c.replies.get(seq);
        return reply == null ? APPLY : new Duplicate(reply);
    }

    /** {@link #record(long, long, long, byte[], long)} with the fields of a wire session. */
    public void record(Session s, byte[] reply, long logIndex) {
        record(s.getClientId(), s.getSeq(), s.getFirstIncompleteSeq(), reply, logIndex);
    }

    /**
     * Remembers the reply of the command {@code (clientId, seq)} applied at {@code logIndex}
     * (after {@link #check} said {@link Apply}), forgets what the client acknowledged below
     * {@code firstIncompleteSeq}, and applies the bounds. Log indexes must not decrease.
     */
    public void record(long clientId, long seq, long firstIncompleteSeq, byte[] reply, long logIndex) {
        checkIds(clientId, seq);
        if (logIndex < highestIndex) {
            throw new IllegalArgumentException("log index " + logIndex + " is below the highest recorded " + highestIndex
                    + ": the session table must see commands in log order");
        }
        highestIndex = logIndex;
        forgetIdle(logIndex);
        ClientState c = clients.remove(clientId); // re-inserted at the tail: most recently active
        if (c == null) {
            c = new ClientState();
        }
        clients.put(clientId, c);
        c.lastIndex = logIndex;
        // a client never acknowledges the command it sends: clamp a broken first_incomplete_seq
        raiseFloor(c, Math.min(firstIncompleteSeq, seq));
        if (seq >= c.floor) {
            byte[] copy = reply.clone();
            byte[] old = c.replies.put(seq, copy);
            totalReplyBytes += copy.length - (old == null ? 0 : old.length);
        }
        while (c.replies.size() > options.maxRepliesPerClient()) {
            raiseFloor(c, c.replies.firstKey() + 1);
        }
        while (clients.size() > options.maxClients()
                || (totalReplyBytes > options.maxTotalReplyBytes() && clients.size() > 1)) {
            forgetEldest();
        }
        // one client alone over the byte bound keeps only its latest reply
        while (totalReplyBytes > options.maxTotalReplyBytes() && c.replies.size() > 1) {
            raiseFloor(c, c.replies.firstKey() + 1);
        }
    }

    private boolean idleAt(ClientState c, long logIndex) {
        return logIndex - c.lastIndex > options.maxIdleEntries();
    }

    private void forgetIdle(long logIndex) {
        Iterator<Map.Entry<Long, ClientState>> it = clients.entrySet().iterator();
        while (it.hasNext()) {
            ClientState c = it.next().getValue();
            if (!idleAt(c, logIndex)) {
                break; // ordered by last activity: the rest are more recent
            }
            totalReplyBytes -= bytesOf(c);
            it.remove();
        }
    }

    private void forgetEldest() {
        Iterator<Map.Entry<Long, ClientState>> it = clients.entrySet().iterator();
        totalReplyBytes -= bytesOf(it.next().getValue());
        it.remove();
    }

    private void raiseFloor(ClientState c, long floor) {
        if (floor <= c.floor) {
            return;
        }
        c.floor = floor;
        var below = c.replies.headMap(floor, false);
        for (byte[] r : below.values()) {
            totalReplyBytes -= r.length;
        }
        below.clear();
    }

    private static long bytesOf(ClientState c) {
        long n = 0;
        for (byte[] r : c.replies.values()) {
            n += r.length;
        }
        return n;
    }

    private static void checkIds(long clientId, long seq) {
        if (clientId == 0) {
            throw new IllegalArgumentException("client id 0 is not a session (allowed: any non-zero 64-bit id)");
        }
        if (seq < 1) {
            throw new IllegalArgumentException("session seq must be >= 1, got " + Long.toUnsignedString(seq));
        }
    }

    /**
     * The table as bytes for a snapshot. Layout (big-endian):
     * {@code "KVST" | version u8 = 1 | highestIndex u64 | clients u32 | per client, least recently
     * active first: id u64, floor u64, lastIndex u64, replies u32, per reply: seq u64, length u32,
     * bytes | CRC32C u32 of everything before}.
     */
    public byte[] toBytes() {
        long size = 4 + 1 + 8 + 4 + 4;
        for (ClientState c : clients.values()) {
            size += 8 + 8 + 8 + 4 + 12L * c.replies.size() + bytesOf(c);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("session table of " + size + " bytes does not fit in one array; lower maxTotalReplyBytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        b.putInt(MAGIC).put(FORMAT_VERSION).putLong(highestIndex).putInt(clients.size());
        for (Map.Entry<Long, ClientState> e : clients.entrySet()) {
            ClientState c = e.getValue();
            b.putLong(e.getKey()).putLong(c.floor).putLong(c.lastIndex).putInt(c.replies.size());
            for (Map.Entry<Long, byte[]> r : c.replies.entrySet()) {
                b.putLong(r.getKey()).putInt(r.getValue().length).put(r.getValue());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Restores a table written by {@link #toBytes()}; a damaged or foreign input is an error saying what is wrong. */
    public static SessionTable fromBytes(byte[] bytes, Options options) {
        if (bytes.length < 4 + 1 + 8 + 4 + 4) {
            throw new IllegalArgumentException("session table snapshot of " + bytes.length + " bytes is too short for its header");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException("session table snapshot of " + bytes.length + " bytes fails its CRC32C (stored "
                    + Integer.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue()) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        try {
            int magic = b.getInt();
            byte version = b.get();
            if (magic != MAGIC || version != FORMAT_VERSION) {
                throw new IllegalArgumentException("not a session table snapshot of format version " + FORMAT_VERSION
                        + " (magic " + Integer.toHexString(magic) + ", version " + version + ")");
            }
            SessionTable t = new SessionTable(options);
            t.highestIndex = b.getLong();
            int n = b.getInt();
            for (int i = 0; i < n; i++) {
                long id = b.getLong();
                ClientState c = new ClientState();
                c.floor = b.getLong();
                c.lastIndex = b.getLong();
                int replies = b.getInt();
                for (int j = 0; j < replies; j++) {
                    long seq = b.getLong();
                    byte[] r = new byte[b.getInt()];
                    b.get(r);
                    c.replies.put(seq, r);
                    t.totalReplyBytes += r.length;
                }
                t.clients.put(id, c);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("session table snapshot has " + b.remaining() + " trailing bytes");
            }
            return t;
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("session table snapshot of " + bytes.length + " bytes is truncated inside a record", e);
        }
    }

    /** Equal content (for tests and replica comparison): same clients in the same order, same replies. */
    public boolean sameStateAs(SessionTable other) {
        return Arrays.equals(toBytes(), other.toBytes());
    }
}
