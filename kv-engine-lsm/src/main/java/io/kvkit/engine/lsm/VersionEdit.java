package io.kvkit.engine.lsm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One change to the set of live files, as recorded in the manifest. Payload: a sequence of
 * tagged fields, each {@code varint tag} followed by its data (varints unless said otherwise):
 * <pre>
 * 1 logNumber        WAL files numbered below it are obsolete
 * 2 nextFileNumber
 * 3 lastSequence
 * 4 deletedFile      level, number
 * 5 newFile          level, number, fileSize, smallestSeq, largestSeq, entries, tombstones,
 *                    smallestKeyLength, smallestKey bytes, largestKeyLength, largestKey bytes
 * </pre>
 */
final class VersionEdit {
    record LevelFile(int level, FileMeta meta) {
    }

    record Deletion(int level, long number) {
    }

    long logNumber = -1;
    long nextFileNumber = -1;
    long lastSequence = -1;
    final List<Deletion> deleted = new ArrayList<>();
    final List<LevelFile> added = new ArrayList<>();

    byte[] encode() {
        int size = 64;
        for (LevelFile f : added) {
            size += 100 + f.meta.smallestKey().length + f.meta.largestKey().length;
        }
        size += deleted.size() * 22;
        byte[] b = new byte[size];
        int p = 0;
        if (logNumber >= 0) {
            p = Varint.put(b, p, 1);
            p = Varint.put(b, p, logNumber);
        }
        if (nextFileNumber >= 0) {
            p = Varint.put(b, p, 2);
            p = Varint.put(b, p, nextFileNumber);
        }
        if (lastSequence >= 0) {
            p = Varint.put(b, p, 3);
            p = Varint.put(b, p, lastSequence);
        }
        for (Deletion d : deleted) {
            p = Varint.put(b, p, 4);
            p = Varint.put(b, p, d.level);
            p = Varint.put(b, p, d.number);
        }
        for (LevelFile f : added) {
            FileMeta m = f.meta;
            p = Varint.put(b, p, 5);
            p = Varint.put(b, p, f.level);
            p = Varint.put(b, p, m.number());
            p = Varint.put(b, p, m.fileSize());
            p = Varint.put(b, p, m.smallestSeq());
            p = Varint.put(b, p, m.largestSeq());
            p = Varint.put(b, p, m.entries());
            p = Varint.put(b, p, m.tombstones());
            p = Varint.put(b, p, m.smallestKey().length);
            System.arraycopy(m.smallestKey(), 0, b, p, m.smallestKey().length);
            p += m.smallestKey().length;
            p = Varint.put(b, p, m.largestKey().length);
            System.arraycopy(m.largestKey(), 0, b, p, m.largestKey().length);
            p += m.largestKey().length;
        }
        return Arrays.copyOf(b, p);
    }

    /** Decodes a payload; malformed input throws {@link IllegalArgumentException} or {@link IndexOutOfBoundsException}. */
    static VersionEdit decode(MemorySegment s) {
        VersionEdit e = new VersionEdit();
        long[] pos = {0};
        long size = s.byteSize();
        while (pos[0] < size) {
            int tag = (int) readLong(s, pos);
            switch (tag) {
                case 1 -> e.logNumber = readLong(s, pos);
                case 2 -> e.nextFileNumber = readLong(s, pos);
                case 3 -> e.lastSequence = readLong(s, pos);
                case 4 -> e.deleted.add(new Deletion((int) readLong(s, pos), readLong(s, pos)));
                case 5 -> {
                    int level = (int) readLong(s, pos);
                    long number = readLong(s, pos);
                    long fileSize = readLong(s, pos);
                    long smallestSeq = readLong(s, pos);
                    long largestSeq = readLong(s, pos);
                    long entries = readLong(s, pos);
                    long tombstones = readLong(s, pos);
                    byte[] smallest = readBytes(s, pos);
                    byte[] largest = readBytes(s, pos);
                    e.added.add(new LevelFile(level, new FileMeta(number, fileSize, smallest, largest, smallestSeq, largestSeq,
                            entries, tombstones)));
                }
                default -> throw new IllegalArgumentException("unknown manifest field tag " + tag);
            }
        }
        return e;
    }

    private static long readLong(MemorySegment s, long[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = s.get(ValueLayout.JAVA_BYTE, pos[0]++);
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }

    private static byte[] readBytes(MemorySegment s, long[] pos) {
        long len = readLong(s, pos);
        if (len < 0 || len > 1 << 20) {
            throw new IllegalArgumentException("key length " + len + " out of range");
        }
        byte[] b = new byte[(int) len];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, pos[0], b, 0, b.length);
        pos[0] += len;
        return b;
    }
}
