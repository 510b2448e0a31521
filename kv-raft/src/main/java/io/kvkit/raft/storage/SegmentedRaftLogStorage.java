package io.kvkit.raft.storage;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A durable {@link RaftLogStorage}: segmented log files with a CRC32C per record, and snapshot
 * files. The entries since the latest snapshot are also kept in memory for reads.
 *
 * <h2>Files (all integers big-endian)</h2>
 * <pre>
 * dir/log-&lt;first index, 20 digits&gt;.seg   a log segment:
 *     header : magic "KVRL" (4) | version u8 = 1 | first index u64 | crc32c(previous 13 bytes) u32
 *     records: length u32 | crc32c(length bytes ++ body) u32 | body (length bytes)
 *       body of an entry     : kind u8 = 1 | entry type u8 | term u64 | index u64 | data
 *       body of a hard state : kind u8 = 2 | term u64 | vote u64 | commit u64
 * dir/snap-&lt;index, 20 digits&gt;.snap       a snapshot in {@link SnapshotCodec}'s form:
 *     magic "KVRS" | version u8 = 1 | index u64 | term u64 | voters: n u32, n x u64 |
 *     learners: n u32, n x u64 | data length u32 | data | crc32c(everything before) u32
 * </pre>
 *
 * <p>The hard state travels in the log as a record (one append and one fsync per Ready, as in
 * etcd's WAL); the latest valid one wins on open, and each new segment starts with the current
 * hard state so that deleting old segments never loses it. Snapshots are written to a temporary
 * file, fsynced, renamed, and the directory fsynced.
 *
 * <p>Recovery: a bad record (cut short, or failing its checksum) in the last segment with no
 * valid record anywhere after it is a torn write that was never synced: the segment is truncated
 * there and {@link #recoveryReport()} says so. A bad record anywhere else is corruption of data
 * that may have been acknowledged, and opening fails with {@link CorruptLogException} naming the
 * file and offset (never silent truncation: PITFALLS #13).
 *
 * <p>Not thread-safe: one host thread drives it.
 */
public final class SegmentedRaftLogStorage extends EntryWindowStorage {
    private static final int VERSION = 1;
    private static final byte[] LOG_MAGIC = {'K', 'V', 'R', 'L'};
    private static final int SEGMENT_HEADER_BYTES = 17;
    private static final int RECORD_HEADER_BYTES = 8;
    private static final byte KIND_ENTRY = 1;
    private static final byte KIND_HARD_STATE = 2;
    /** Refuse records larger than this on read: a corrupt length must not allocate gigabytes. */
    private static final int MAX_RECORD_BYTES = 256 << 20;

    /** Raised when a log or snapshot file is damaged where a torn write cannot explain it. */
    public static final class CorruptLogException extends RuntimeException {
        public CorruptLogException(Path file, long offset, String what) {
            super("corrupt raft log: " + file + " at offset " + offset + ": " + what);
        }
    }

    private record Segment(Path path, long firstIndex) {
    }

    /** Where an in-memory entry lives on disk, for truncation. */
    private record Position(int segment, long offset) {
    }

    private final Path dir;
    private final long segmentBytes;
    private final List<Segment> segments = new ArrayList<>();
    private final ArrayList<Position> positions = new ArrayList<>();
    private FileChannel active;
    private long activeSize;
    private ByteBuffer pending = ByteBuffer.allocate(64 << 10);
    private boolean dirDirty;
    private final List<String> recovery = new ArrayList<>();

    /**
     * Opens (or creates) the log in {@code dir}.
     *
     * @param segmentBytes roll to a new segment once the active one reaches this size (&gt; 4 KiB)
     */
    public static SegmentedRaftLogStorage open(Path dir, long segmentBytes) {
        if (segmentBytes < 4096) {
            throw new IllegalArgumentException("segmentBytes must be >= 4096, got " + segmentBytes);
        }
        try {
            Files.createDirectories(dir);
            return new SegmentedRaftLogStorage(dir, segmentBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open raft log in " + dir, e);
        }
    }

    private SegmentedRaftLogStorage(Path dir, long segmentBytes) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".tmp")) {
                    Files.delete(p); // an unfinished snapshot write
                }
            }
        }
        loadSnapshot();
        loadSegments();
        if (segments.isEmpty()) {
            startSegment(snapshot.index() + 1);
        } else {
            Segment last = segments.getLast();
            active = FileChannel.open(last.path(), StandardOpenOption.WRITE);
            activeSize = active.size();
            active.position(activeSize);
        }
    }

    /** What recovery did on open (torn tails truncated), empty if the files were clean. */
    public List<String> recoveryReport() {
        return List.copyOf(recovery);
    }

    // ------------------------------------------------------------------ reads

    // ------------------------------------------------------------------ writes

    @Override
    public void append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return;
        }
        try {
            long first = ents.get(0).index();
            if (first > lastIndex() + 1) {
                throw new IllegalArgumentException("append at " + first + " leaves a gap after last index " + lastIndex());
            }
            int skip = 0;
            if (first < firstIndex()) {
                skip = (int) (firstIndex() - first);
                if (skip >= ents.size()) {
                    return;
                }
                first = firstIndex();
            }
            if (first <= lastIndex()) {
                truncateFrom(first);
            }
            for (int i = skip; i < ents.size(); i++) {
                Entry e = ents.get(i);
                if (e.index() != lastIndex() + 1) {
                    throw new IllegalArgumentException("entries must be contiguous: got index " + e.index() + " after " + lastIndex());
                }
                maybeRoll();
                positions.add(new Position(segments.size() - 1, activeSize + pending.position()));
                writeRecord(entryBody(e));
                entries.add(e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("raft log append failed in " + dir, e);
        }
    }

    /** Drops every entry at or after {@code index}, in memory and on disk. */
    private void truncateFrom(long index) throws IOException {
        flushPending();
        int k = (int) (index - firstIndex());
        Position p = positions.get(k);
        // delete whole segments after the one holding the first dropped entry
        while (segments.size() - 1 > p.segment()) {
            active.close();
            Files.delete(segments.removeLast().path());
            dirDirty = true;
            Segment last = segments.getLast();
            active = FileChannel.open(last.path(), StandardOpenOption.WRITE);
        }
        active.truncate(p.offset());
        active.position(p.offset());
        activeSize = p.offset();
        entries.subList(k, entries.size()).clear();
        positions.subList(k, positions.size()).clear();
        // the truncated tail may have held the latest hard state: write it again
        writeRecord(hardStateBody(hardState));
    }

    @Override
    public void setHardState(HardState hs) {
        if (hs.equals(hardState)) {
            return;
        }
        hardState = hs;
        try {
            writeRecord(hardStateBody(hs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void applySnapshot(Snapshot s) {
        if (s.index() < snapshot.index()) {
            throw new IllegalArgumentException("snapshot at " + s.index() + " is older than the current one at " + snapshot.index());
        }
        try {
            writeSnapshotFile(s);
            snapshot = s;
            entries.clear();
            positions.clear();
            flushPending();
            active.close();
            for (Segment seg : segments) {
                Files.deleteIfExists(seg.path());
            }
            segments.clear();
            startSegment(s.index() + 1);
            deleteOlderSnapshots(s.index());
        } catch (IOException e) {
            throw new UncheckedIOException("installing snapshot " + s + " failed in " + dir, e);
        }
    }

    @Override
    public Snapshot createSnapshot(long index, ConfState confState, byte[] data) {
        if (index < snapshot.index()) {
            throw new IllegalArgumentException("snapshot index " + index + " is older than the current snapshot " + snapshot.index());
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException("snapshot index " + index + " is past the last index " + lastIndex());
        }
        if (index > hardState.commit()) {
            throw new IllegalArgumentException("snapshot index " + index + " is past the durable commit index " + hardState.commit());
        }
        Snapshot s = new Snapshot(index, term(index), confState, data);
        try {
            writeSnapshotFile(s);
            int drop = (int) (index - snapshot.index());
            snapshot = s;
            entries.subList(0, drop).clear();
            positions.subList(0, drop).clear();
            // delete segments all of whose entries are now in the snapshot (never the active one)
            int removable = 0;
            while (removable < segments.size() - 1 && segments.get(removable + 1).firstIndex() <= index + 1) {
                removable++;
            }
            for (int i = 0; i < removable; i++) {
                Files.deleteIfExists(segments.get(i).path());
            }
            if (removable > 0) {
                segments.subList(0, removable).clear();
                List<Position> shifted = new ArrayList<>(positions.size());
                for (Position p : positions) {
                    shifted.add(new Position(p.segment() - removable, p.offset()));
                }
                positions.clear();
                positions.addAll(shifted);
                dirDirty = true;
            }
            deleteOlderSnapshots(index);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("creating snapshot at " + index + " failed in " + dir, e);
        }
    }

    @Override
    public void sync() {
        try {
            flushPending();
            active.force(false);
            if (dirDirty) {
                syncDir();
                dirDirty = false;
            }
        } catch (IOException e) {
            // after a failed fsync the kernel may have dropped the dirty pages: never retry
            // (PITFALLS #21); the node must stop and recover from what is on disk.
            throw new UncheckedIOException("raft log fsync failed in " + dir + "; the log must be reopened", e);
        }
    }

    @Override
    public void close() {
        try {
            flushPending();
            active.force(false);
            active.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ encoding

    private static byte[] entryBody(Entry e) {
        ByteBuffer b = ByteBuffer.allocate(1 + 1 + 8 + 8 + e.data().length);
        b.put(KIND_ENTRY).put((byte) e.type().ordinal()).putLong(e.term()).putLong(e.index()).put(e.data());
        return b.array();
    }

    private static byte[] hardStateBody(HardState hs) {
        ByteBuffer b = ByteBuffer.allocate(1 + 24);
        b.put(KIND_HARD_STATE).putLong(hs.term()).putLong(hs.vote()).putLong(hs.commit());
        return b.array();
    }

    private void writeRecord(byte[] body) throws IOException {
        int need = RECORD_HEADER_BYTES + body.length;
        if (pending.remaining() < need) {
            flushPending();
            if (pending.capacity() < need) {
                pending = ByteBuffer.allocate(need);
            }
        }
        byte[] len = ByteBuffer.allocate(4).putInt(body.length).array();
        CRC32C crc = new CRC32C();
        crc.update(len);
        crc.update(body);
        pending.put(len).putInt((int) crc.getValue()).put(body);
    }

    private void flushPending() throws IOException {
        pending.flip();
        while (pending.hasRemaining()) {
            activeSize += active.write(pending, activeSize);
        }
        pending.clear();
    }

    private void maybeRoll() throws IOException {
        if (activeSize + pending.position() < segmentBytes) {
            return;
        }
        flushPending();
        active.force(false);
        active.close();
        startSegment(lastIndex() + 1);
    }

    private void startSegment(long firstIndex) throws IOException {
        Path p = dir.resolve(String.format("log-%020d.seg", firstIndex));
        active = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        ByteBuffer h = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
        h.put(LOG_MAGIC).put((byte) VERSION).putLong(firstIndex);
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, 13);
        h.putInt((int) crc.getValue()).flip();
        active.write(h, 0);
        activeSize = SEGMENT_HEADER_BYTES;
        segments.add(new Segment(p, firstIndex));
        dirDirty = true;
        writeRecord(hardStateBody(hardState));
        // a new segment must be durable (file and directory entry) before entries land in it
        flushPending();
        active.force(false);
        syncDir();
        dirDirty = false;
    }

    private void syncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    // ------------------------------------------------------------------ recovery

    private void loadSegments() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("log-")
                    && p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
        for (int i = 0; i < files.size(); i++) {
            boolean last = i == files.size() - 1;
            readSegment(files.get(i), last);
        }
        // drop entries that the snapshot already covers
        boolean sameHistory = snapshot.index() == 0 || entries.isEmpty()
                || entries.getFirst().index() > snapshot.index();
        while (!entries.isEmpty() && entries.getFirst().index() <= snapshot.index()) {
            Entry e = entries.removeFirst();
            positions.removeFirst();
            if (e.index() == snapshot.index() && e.term() == snapshot.term()) {
                sameHistory = true;
            }
        }
        if (!sameHistory) {
            // a crash between writing an installed snapshot and deleting the log it replaces:
            // the remaining entries belong to the replaced history
            recovery.add("discarded " + entries.size() + " entries superseded by snapshot at " + snapshot.index());
            entries.clear();
            positions.clear();
            for (Segment seg : segments) {
                Files.deleteIfExists(seg.path());
            }
            segments.clear();
            return;
        }
        if (!entries.isEmpty() && entries.getFirst().index() != snapshot.index() + 1) {
            throw new CorruptLogException(files.getFirst(), 0, "log starts at index " + entries.getFirst().index()
                    + " but the snapshot ends at " + snapshot.index() + ": entries are missing");
        }
        if (hardState.commit() > lastIndex()) {
            throw new CorruptLogException(files.isEmpty() ? dir : files.getLast(), 0, "hard state commit "
                    + hardState.commit() + " is past the last entry " + lastIndex() + ": committed entries are missing");
        }
    }

    private void readSegment(Path file, boolean last) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
        if (all.length < SEGMENT_HEADER_BYTES) {
            if (last) {
                recovery.add("removed segment " + file.getFileName() + " with a torn header (" + all.length + " bytes)");
                Files.delete(file);
                return;
            }
            throw new CorruptLogException(file, 0, "segment header is " + all.length + " bytes, expected " + SEGMENT_HEADER_BYTES);
        }
        byte[] magic = new byte[4];
        b.get(magic);
        int version = b.get();
        long firstIndex = b.getLong();
        int storedCrc = b.getInt();
        CRC32C hc = new CRC32C();
        hc.update(all, 0, 13);
        if (!java.util.Arrays.equals(magic, LOG_MAGIC) || (int) hc.getValue() != storedCrc) {
            throw new CorruptLogException(file, 0, "bad segment header (magic or checksum)");
        }
        if (version != VERSION) {
            throw new CorruptLogException(file, 4, "unsupported segment version " + version + "; this build reads version " + VERSION);
        }
        segments.add(new Segment(file, firstIndex));
        int segIdx = segments.size() - 1;
        long off = SEGMENT_HEADER_BYTES;
        while (off < all.length) {
            String bad = null;
            long end;
            if (all.length - off < RECORD_HEADER_BYTES) {
                bad = "record header cut short";
                end = all.length;
            } else {
                int len = b.getInt((int) off);
                int crc = b.getInt((int) off + 4);
                if (len < 0 || len > MAX_RECORD_BYTES) {
                    bad = "record length " + len + " out of range";
                    end = Long.MAX_VALUE;
                } else if (off + RECORD_HEADER_BYTES + len > all.length) {
                    bad = "record of " + len + " bytes cut short";
                    end = all.length;
                } else {
                    CRC32C c = new CRC32C();
                    c.update(all, (int) off, 4);
                    c.update(all, (int) off + RECORD_HEADER_BYTES, len);
                    end = off + RECORD_HEADER_BYTES + len;
                    if ((int) c.getValue() != crc) {
                        bad = "checksum mismatch";
                    } else {
                        applyRecord(file, off, ByteBuffer.wrap(all, (int) off + RECORD_HEADER_BYTES, len).slice(), segIdx);
                    }
                }
            }
            if (bad != null) {
                // Torn only if nothing valid follows: a flipped length field can also make a
                // record seem to run past the end of the file.
                boolean tornTail = last && end >= all.length && !validRecordAfter(all, off + 1);
                if (!tornTail) {
                    throw new CorruptLogException(file, off, bad + (last ? " with valid data after it" : " in a sealed segment"));
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(off);
                    ch.force(false);
                }
                recovery.add("truncated torn tail of " + file.getFileName() + " at offset " + off + " (" + bad + ", "
                        + (all.length - off) + " bytes dropped)");
                return;
            }
            off = end;
        }
    }

    /** Whether a record with a good checksum starts anywhere at or after {@code from}. */
    private static boolean validRecordAfter(byte[] all, long from) {
        ByteBuffer b = ByteBuffer.wrap(all);
        for (int p = (int) from; p + RECORD_HEADER_BYTES <= all.length; p++) {
            int len = b.getInt(p);
            if (len < 1 || len > all.length - p - RECORD_HEADER_BYTES) {
                continue;
            }
            CRC32C c = new CRC32C();
            c.update(all, p, 4);
            c.update(all, p + RECORD_HEADER_BYTES, len);
            if ((int) c.getValue() == b.getInt(p + 4)) {
                return true;
            }
        }
        return false;
    }

    private void applyRecord(Path file, long off, ByteBuffer body, int segIdx) {
        byte kind = body.get();
        switch (kind) {
            case KIND_ENTRY -> {
                int t = body.get();
                if (t < 0 || t >= EntryType.values().length) {
                    throw new CorruptLogException(file, off, "unknown entry type " + t);
                }
                long term = body.getLong();
                long index = body.getLong();
                byte[] data = new byte[body.remaining()];
                body.get(data);
                long expected = entries.isEmpty() ? index : entries.getLast().index() + 1;
                if (index != expected) {
                    throw new CorruptLogException(file, off, "entry index " + index + " where " + expected + " was expected");
                }
                entries.add(new Entry(term, index, EntryType.values()[t], data));
                positions.add(new Position(segIdx, off));
            }
            case KIND_HARD_STATE -> hardState = new HardState(body.getLong(), body.getLong(), body.getLong());
            default -> throw new CorruptLogException(file, off, "unknown record kind " + kind);
        }
    }

    // ------------------------------------------------------------------ snapshots

    private void writeSnapshotFile(Snapshot s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(SnapshotCodec.encode(s));
        Path fin = dir.resolve(String.format("snap-%020d.snap", s.index()));
        Path tmp = dir.resolve(fin.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
        Files.move(tmp, fin, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDir();
    }

    private void loadSnapshot() throws IOException {
        List<Path> snaps;
        try (Stream<Path> s = Files.list(dir)) {
            snaps = s.filter(p -> p.getFileName().toString().startsWith("snap-")
                    && p.getFileName().toString().endsWith(".snap")).sorted().toList();
        }
        if (snaps.isEmpty()) {
            return;
        }
        Path p = snaps.getLast();
        try {
            snapshot = SnapshotCodec.decode(Files.readAllBytes(p), p.toString());
        } catch (IllegalArgumentException e) {
            throw new CorruptLogException(p, 0, e.getMessage());
        }
    }

    private void deleteOlderSnapshots(long keep) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("snap-") && n.endsWith(".snap")
                        && Long.parseLong(n.substring(5, n.length() - 5)) < keep) {
                    Files.delete(p);
                }
            }
        }
    }
}
