package io.kvkit.raft.storage;

import io.kvkit.raft.EntryType;
import io.kvkit.raft.HardState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SegmentedRaftLogStorage.CorruptLogException;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Rebuilds every group of a {@link SharedRaftLogStore} from its files on open: segments in seq
 * order, record by record, then each group's latest snapshot file.
 *
 * <p>Rules. Segment seqs must be consecutive (deletion is oldest first, one durable unlink at a
 * time, so a gap means a lost file). A record that is cut short or fails its checksum in the last
 * segment, with no valid record anywhere after it, is a torn write that was never synced: the
 * file is truncated there and the report says so. Any other bad record, a record that makes no
 * sense, entries missing from a group's log, a snapshot marker without its snapshot file, or a
 * group without a hard state record is corruption: {@link CorruptLogException} naming the file
 * and offset. Nothing is dropped silently.
 *
 * <p>While replaying, a group's index may have holes: entries written before the first surviving
 * segment come back from REWRITE records later in the log. They must all be back at the end.
 */
final class SharedLogReplay {
    private final SharedRaftLogStore store;
    private final Path dir;
    final List<SharedRaftLogStore.Segment> segments = new ArrayList<>();
    final Map<Long, SharedGroupLog> groups = new HashMap<>();
    final List<String> report = new ArrayList<>();

    SharedLogReplay(SharedRaftLogStore store, Path dir) {
        this.store = store;
        this.dir = dir;
    }

    void run() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        TreeMap<Long, TreeMap<Long, Path>> snapshots = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                long seq = SharedLogFormat.segmentSeq(name);
                if (seq >= 0) {
                    files.put(seq, p);
                }
                long[] gi = SharedLogFormat.snapshotGroupAndIndex(name);
                if (gi != null) {
                    snapshots.computeIfAbsent(gi[0], g -> new TreeMap<>()).put(gi[1], p);
                }
            }
        }
        long expected = files.isEmpty() ? 0 : files.firstKey();
        for (Map.Entry<Long, Path> f : files.entrySet()) {
            if (f.getKey() != expected) {
                throw new CorruptLogException(f.getValue(), 0, "segment " + expected + " is missing before it");
            }
            readSegment(f.getValue(), f.getKey(), f.getKey() == files.lastKey());
            expected++;
        }
        finishGroups(snapshots, files.isEmpty() ? dir : files.firstEntry().getValue());
    }

    private void readSegment(Path file, long seq, boolean last) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < SharedLogFormat.SEGMENT_HEADER_BYTES) {
            if (last) {
                // created, but its header never became durable
                report.add("removed segment " + file.getFileName() + " with a torn header (" + all.length + " bytes)");
                Files.delete(file);
                store.syncDir();
                return;
            }
            throw new CorruptLogException(file, 0, "segment header is " + all.length + " bytes, expected "
                    + SharedLogFormat.SEGMENT_HEADER_BYTES);
        }
        CRC32C hc = new CRC32C();
        hc.update(all, 0, 13);
        if (!Arrays.equals(all, 0, 4, SharedLogFormat.MAGIC, 0, 4) || (int) hc.getValue() != b.getInt(13)) {
            throw new CorruptLogException(file, 0, "bad segment header (magic or checksum)");
        }
        if (all[4] != SharedLogFormat.VERSION) {
            throw new CorruptLogException(file, 4, "unsupported segment version " + all[4] + "; this build reads version "
                    + SharedLogFormat.VERSION);
        }
        if (b.getLong(5) != seq) {
            throw new CorruptLogException(file, 5, "header says segment " + b.getLong(5) + " but the file name says " + seq);
        }
        int off = SharedLogFormat.SEGMENT_HEADER_BYTES;
        while (off < all.length) {
            String bad = null;
            long end;
            if (all.length - off < SharedLogFormat.RECORD_HEADER_BYTES) {
                bad = "record header cut short";
                end = all.length;
            } else {
                int len = b.getInt(off);
                if (len < 9 || len > SharedLogFormat.MAX_RECORD_BYTES) {
                    bad = "record length " + len + " out of range";
                    end = Long.MAX_VALUE;
                } else if ((long) off + SharedLogFormat.RECORD_HEADER_BYTES + len > all.length) {
                    bad = "record of " + len + " bytes cut short";
                    end = all.length;
                } else {
                    end = off + SharedLogFormat.RECORD_HEADER_BYTES + len;
                    if (SharedLogFormat.recordCrc(all, off, len) != b.getInt(off + 4)) {
                        bad = "checksum mismatch";
                    } else {
                        applyRecord(file, seq, off, ByteBuffer.wrap(all, off + SharedLogFormat.RECORD_HEADER_BYTES, len).slice());
                    }
                }
            }
            if (bad != null) {
                // torn only if nothing valid follows: a flipped length can also make a record
                // seem to run past the end of the file
                boolean tornTail = last && end >= all.length && !validRecordAfter(all, off + 1);
                if (!tornTail) {
                    throw new CorruptLogException(file, off, bad + (last ? " with valid data after it" : " in a sealed segment"));
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(off);
                    ch.force(false);
                }
                report.add("truncated torn tail of " + file.getFileName() + " at offset " + off + " (" + bad + ", "
                        + (all.length - off) + " bytes dropped)");
                segments.add(new SharedRaftLogStore.Segment(seq, file, last, off));
                return;
            }
            off = (int) end;
        }
        segments.add(new SharedRaftLogStore.Segment(seq, file, last, all.length));
    }

    /** Whether a record with a good checksum starts anywhere at or after {@code from}. */
    private static boolean validRecordAfter(byte[] all, int from) {
        ByteBuffer b = ByteBuffer.wrap(all);
        for (int p = from; p + SharedLogFormat.RECORD_HEADER_BYTES <= all.length; p++) {
            int len = b.getInt(p);
            if (len < 9 || len > all.length - p - SharedLogFormat.RECORD_HEADER_BYTES) {
                continue;
            }
            if (SharedLogFormat.recordCrc(all, p, len) == b.getInt(p + 4)) {
                return true;
            }
        }
        return false;
    }

    private void applyRecord(Path file, long seq, int off, ByteBuffer body) {
        try {
            byte kind = body.get();
            long groupId = body.getLong();
            switch (kind) {
                case SharedLogFormat.ENTRIES, SharedLogFormat.REWRITE -> {
                    long first = body.getLong();
                    int count = body.getInt();
                    if (first < 1 || count < 1) {
                        throw new CorruptLogException(file, off, "entries record with first index " + first + " and count " + count);
                    }
                    SharedGroupLog g = group(groupId);
                    if (kind == SharedLogFormat.ENTRIES) {
                        g.index.truncateFrom(first);
                    }
                    long pos = (long) off + SharedLogFormat.RECORD_HEADER_BYTES + SharedLogFormat.ENTRIES_PREFIX_BYTES;
                    for (int k = 0; k < count; k++) {
                        long term = body.getLong();
                        int type = body.get();
                        int len = body.getInt();
                        if (term < 0 || type < 0 || type >= EntryType.values().length || len < 0 || len > body.remaining()) {
                            throw new CorruptLogException(file, off, "entry " + (first + k) + " of group " + groupId
                                    + " has term " + term + ", type " + type + ", length " + len);
                        }
                        body.position(body.position() + len);
                        g.index.put(first + k, term, GroupEntryIndex.location(seq, pos), SharedLogFormat.ENTRY_PREFIX_BYTES + len);
                        pos += SharedLogFormat.ENTRY_PREFIX_BYTES + len;
                    }
                }
                case SharedLogFormat.HARD_STATE -> {
                    SharedGroupLog g = group(groupId);
                    g.hardState = new HardState(body.getLong(), body.getLong(), body.getLong());
                    g.hardStateSegment = seq;
                }
                case SharedLogFormat.SNAPSHOT -> {
                    SharedGroupLog g = group(groupId);
                    long index = body.getLong();
                    body.getLong();
                    byte installed = body.get();
                    if (installed == 1) {
                        g.index.clear();
                    } else {
                        g.index.dropThrough(index);
                    }
                    g.markerIndex = Math.max(g.markerIndex, index);
                    g.snapshotMarkerSegment = seq;
                }
                case SharedLogFormat.DELETED -> groups.remove(groupId);
                default -> throw new CorruptLogException(file, off, "unknown record kind " + kind);
            }
            if (body.hasRemaining()) {
                throw new CorruptLogException(file, off, body.remaining() + " unexpected bytes at the end of a record of kind " + kind);
            }
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new CorruptLogException(file, off, "record fields run past its end or are out of range: " + e.getMessage());
        }
    }

    private SharedGroupLog group(long id) {
        return groups.computeIfAbsent(id, g -> new SharedGroupLog(store, g));
    }

    private void finishGroups(TreeMap<Long, TreeMap<Long, Path>> snapshots, Path firstFile) throws IOException {
        for (Map.Entry<Long, TreeMap<Long, Path>> e : snapshots.entrySet()) {
            TreeMap<Long, Path> files = e.getValue();
            if (!groups.containsKey(e.getKey())) {
                // a deletion interrupted after its DELETED record became durable
                for (Path p : files.values()) {
                    Files.delete(p);
                    report.add("removed snapshot " + p.getFileName() + " of deleted group " + e.getKey());
                }
                continue;
            }
            // older snapshots outlive their successor only by a crash before their deletion
            while (files.size() > 1) {
                Files.delete(files.pollFirstEntry().getValue());
            }
        }
        for (SharedGroupLog g : groups.values()) {
            TreeMap<Long, Path> files = snapshots.get(g.groupId);
            Path snapFile = files == null ? null : files.firstEntry().getValue();
            long snapIndex = files == null ? 0 : files.firstKey();
            if (g.markerIndex > snapIndex) {
                throw new CorruptLogException(dir.resolve(SharedLogFormat.snapshotName(g.groupId, g.markerIndex)), 0,
                        "group " + g.groupId + " has a snapshot marker at " + g.markerIndex + " but its latest snapshot file is at "
                                + snapIndex + ": the snapshot file is missing");
            }
            if (snapFile != null) {
                Snapshot s = store.readSnapshotFile(snapFile);
                if (s.index() != snapIndex) {
                    throw new CorruptLogException(snapFile, 0, "holds a snapshot at index " + s.index() + ", its name says " + snapIndex);
                }
                if (snapIndex > g.markerIndex) {
                    // a crash between the snapshot file and its marker: if the log agrees with the
                    // snapshot at its index, it was a compaction; otherwise an installed snapshot
                    // that replaces the whole log
                    boolean agrees = !g.index.isEmpty() && snapIndex >= g.index.firstIndex() && snapIndex <= g.index.lastIndex()
                            && g.index.term(snapIndex) == s.term();
                    if (!agrees && !g.index.isEmpty()) {
                        report.add("group " + g.groupId + ": discarded entries " + g.index.firstIndex() + ".." + g.index.lastIndex()
                                + " superseded by snapshot at " + snapIndex + " (its marker was not written)");
                        g.index.clear();
                    }
                }
                g.index.dropThrough(snapIndex);
                g.snapshotIndex = snapIndex;
                g.snapshotTerm = s.term();
                g.snapshotConf = s.confState();
                g.snapshotFile = snapFile;
                g.snapshotCache = new SoftReference<>(s);
            }
            if (!g.index.isEmpty()) {
                if (g.index.firstIndex() != snapIndex + 1) {
                    throw new CorruptLogException(firstFile, 0, "group " + g.groupId + ": entries " + (snapIndex + 1) + ".."
                            + (g.index.firstIndex() - 1) + " are missing (snapshot at " + snapIndex + ")");
                }
                long hole = g.index.firstMissing();
                if (hole >= 0) {
                    throw new CorruptLogException(firstFile, 0, "group " + g.groupId + ": entry " + hole + " is missing");
                }
            }
            if (g.hardStateSegment < 0) {
                throw new CorruptLogException(firstFile, 0, "group " + g.groupId + " has records but no hard state record");
            }
            long last = g.index.isEmpty() ? snapIndex : g.index.lastIndex();
            if (g.hardState.commit() > last) {
                throw new CorruptLogException(firstFile, 0, "group " + g.groupId + ": hard state commit " + g.hardState.commit()
                        + " is past the last entry " + last + ": committed entries are missing");
            }
            g.markerIndex = 0;
        }
    }
}
