package io.kvkit.server.partition;

import io.kvkit.client.SessionTable;
import io.kvkit.client.proto.Session;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.WriteBatch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps kv-client's {@link SessionTable} durable without rewriting it whole on every command.
 * Each recorded reply becomes a journal record, numbered by an ordinal (1, 2, 3, ...), written
 * into ring slot {@code ordinal mod RING_SLOTS} of the engine that takes the command's batch, in
 * that same batch. Every {@link #BASE_INTERVAL} records (and at every table drop, which deletes
 * an engine and its records) the whole table is written to the system store as a base, tagged
 * with its ordinal. Loading reads the base, then every slot of every engine, and replays the
 * records above the base ordinal in order through {@link SessionTable#record}, which is
 * deterministic. At most {@code BASE_INTERVAL < RING_SLOTS} records are above the base, so a live
 * record is never overwritten, and any other record met in a slot is at or below the base.
 *
 * <p>Record: {@code ordinal u64 | index u64 | clientId u64 | seq u64 | firstIncompleteSeq u64 | reply}.
 * Base: {@code ordinal u64 | chunks u32} under {@link EngineKeys#SESSION_BASE}, the
 * {@link SessionTable#toBytes()} bytes in chunks of {@link #BASE_CHUNK_BYTES} under
 * {@code sessions.<i>} (engines limit value sizes; the table may hold 64 MiB of replies).
 */
final class SessionJournal {

    static final int BASE_INTERVAL = 4096;
    static final int RING_SLOTS = 2 * BASE_INTERVAL;
    static final int BASE_CHUNK_BYTES = 1 << 20;
    private static final int RECORD_HEADER = 5 * 8;

    private long ordinal;
    private long baseOrdinal;

    private SessionJournal(long ordinal, long baseOrdinal) {
        this.ordinal = ordinal;
        this.baseOrdinal = baseOrdinal;
    }

    /** Adds the record of the reply just recorded in the table to {@code batch}. */
    void append(WriteBatch batch, long index, Session s, byte[] reply) {
        ordinal++;
        ByteBuffer b = ByteBuffer.allocate(RECORD_HEADER + reply.length);
        b.putLong(ordinal).putLong(index).putLong(s.getClientId()).putLong(s.getSeq()).putLong(s.getFirstIncompleteSeq()).put(reply);
        batch.put(EngineKeys.journalSlot((int) (ordinal % RING_SLOTS)), b.array());
    }

    boolean baseDue() {
        return ordinal - baseOrdinal >= BASE_INTERVAL;
    }

    /** Adds the whole table as the new base to {@code batch} (a system store batch). */
    void appendBase(WriteBatch batch, SessionTable table) {
        byte[] all = table.toBytes();
        int chunks = (all.length + BASE_CHUNK_BYTES - 1) / BASE_CHUNK_BYTES;
        batch.put(EngineKeys.SESSION_BASE, ByteBuffer.allocate(12).putLong(ordinal).putInt(chunks).array());
        for (int i = 0; i < chunks; i++) {
            int from = i * BASE_CHUNK_BYTES;
            byte[] chunk = java.util.Arrays.copyOfRange(all, from, Math.min(all.length, from + BASE_CHUNK_BYTES));
            batch.put(EngineKeys.meta("sessions." + i), chunk);
        }
        baseOrdinal = ordinal;
    }

    /** The table held by {@code system} (base) and {@code engines} (records), and the journal to continue it. */
    static Loaded load(StorageEngine system, Collection<StorageEngine> engines, SessionTable.Options options) {
        byte[] head = system.get(EngineKeys.SESSION_BASE);
        SessionTable table;
        long base = 0;
        if (head == null) {
            table = new SessionTable(options);
        } else {
            ByteBuffer h = ByteBuffer.wrap(head);
            base = h.getLong();
            int chunks = h.getInt();
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < chunks; i++) {
                byte[] c = system.get(EngineKeys.meta("sessions." + i));
                if (c == null) {
                    throw new IllegalStateException("session base chunk " + i + " of " + chunks
                            + " is missing: the replica's system store is damaged");
                }
                all.writeBytes(c);
            }
            table = SessionTable.fromBytes(all.toByteArray(), options);
        }
        List<ByteBuffer> records = new ArrayList<>();
        for (StorageEngine e : engines) {
            for (int slot = 0; slot < RING_SLOTS; slot++) {
                byte[] r = e.get(EngineKeys.journalSlot(slot));
                if (r != null && ByteBuffer.wrap(r).getLong() > base) {
                    records.add(ByteBuffer.wrap(r));
                }
            }
        }
        records.sort(Comparator.comparingLong(r -> r.getLong(0)));
        long expected = base + 1;
        for (ByteBuffer r : records) {
            long ord = r.getLong();
            if (ord != expected) {
                throw new IllegalStateException("session journal record " + expected + " is missing (next found: " + ord
                        + "): the replica's store is damaged");
            }
            long index = r.getLong();
            long clientId = r.getLong();
            long seq = r.getLong();
            long floor = r.getLong();
            byte[] reply = new byte[r.remaining()];
            r.get(reply);
            table.record(clientId, seq, floor, reply, index);
            expected++;
        }
        return new Loaded(table, new SessionJournal(expected - 1, base));
    }

    record Loaded(SessionTable table, SessionJournal journal) {}
}
