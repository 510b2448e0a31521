package io.kvkit.engine.lsm;

import io.kvkit.engine.api.StoreDirectory;

import io.kvkit.engine.api.CorruptionException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The manifest: a log of {@link VersionEdit}s ({@code MANIFEST-NNNNNN}, framed as in
 * {@link RecordLog}) and the {@code CURRENT} file naming the live one.
 *
 * <p>Every open starts a new manifest whose first record describes the whole version; it
 * becomes live by writing {@code CURRENT.tmp}, fsyncing it, renaming it over {@code CURRENT}
 * and fsyncing the directory. Each later edit is appended and fsynced before the engine acts on
 * it. A crash at any step leaves either the old or the new manifest live, both complete.
 */
final class Manifest implements AutoCloseable {
    static final String CURRENT = "CURRENT";
    private static final Pattern MANIFEST_NAME = Pattern.compile("MANIFEST-(\\d{6,})");

    private final Path path;
    private final long number;
    private final FileChannel channel;
    private long size;

    private Manifest(Path path, long number, FileChannel channel, long size) {
        this.path = path;
        this.number = number;
        this.channel = channel;
        this.size = size;
    }

    static String fileName(long number) {
        return String.format("MANIFEST-%06d", number);
    }

    long number() {
        return number;
    }

    long sizeBytes() {
        return size;
    }

    /**
     * Writes a new manifest holding {@code base} (the full state) and makes it current. Returns it
     * open for appends.
     */
    static Manifest create(Path dir, long number, VersionEdit base) throws IOException {
        Path p = dir.resolve(fileName(number));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Manifest m = new Manifest(p, number, ch, 0);
        try {
            m.append(base);
            writeCurrent(dir, fileName(number));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return m;
    }

    /** Appends an edit and fsyncs it. */
    void append(VersionEdit edit) throws IOException {
        byte[] payload = edit.encode();
        ByteBuffer buf = ByteBuffer.allocate(RecordLog.HEADER + payload.length);
        RecordLog.frame(buf, payload, payload.length);
        buf.flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        channel.force(false);
        size += RecordLog.HEADER + payload.length;
    }

    static void writeCurrent(Path dir, String manifestName) throws IOException {
        Path tmp = dir.resolve(CURRENT + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap((manifestName + "\n").getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StoreDirectory.syncDirectory(dir);
    }

    /** Makes creations, renames and deletions in {@code dir} durable (PITFALLS #20). */

    /** What the live manifest says. */
    record State(long manifestNumber, Version version, long logNumber, long nextFileNumber, long lastSequence,
                 String tornTail) {
    }

    /** The name the CURRENT file holds, or null when there is no CURRENT (a new store). */
    static String readCurrent(Path dir) throws IOException {
        Path cur = dir.resolve(CURRENT);
        byte[] raw;
        try {
            raw = Files.readAllBytes(cur);
        } catch (NoSuchFileException e) {
            return null;
        }
        String s = new String(raw, StandardCharsets.US_ASCII);
        if (!s.endsWith("\n") || !MANIFEST_NAME.matcher(s.substring(0, s.length() - 1)).matches()) {
            throw new CorruptionException(cur, 0, "CURRENT does not hold a manifest name and a newline");
        }
        return s.substring(0, s.length() - 1);
    }

    /** Replays the manifest that CURRENT names. */
    static State recover(Path dir, String manifestName, int numLevels) throws IOException {
        Matcher m = MANIFEST_NAME.matcher(manifestName);
        if (!m.matches()) {
            throw new IllegalArgumentException(manifestName);
        }
        long number = Long.parseLong(m.group(1));
        Path p = dir.resolve(manifestName);
        if (!Files.exists(p)) {
            throw new CorruptionException(dir.resolve(CURRENT), 0, "CURRENT names " + manifestName + ", which does not exist");
        }
        Version[] version = {new Version(numLevels)};
        long[] fields = {-1, -1, -1}; // logNumber, nextFileNumber, lastSequence
        String[] torn = {null};
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            MemorySegment data = ch.size() == 0 ? MemorySegment.NULL.reinterpret(0)
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            // A manifest edit is acknowledged only after its fsync, so a torn tail is an edit that
            // never took effect; a complete record with a bad checksum is corruption.
            RecordLog.Scan scan = RecordLog.read(p, data, true, (payload, offset) -> {
                VersionEdit e;
                try {
                    e = VersionEdit.decode(payload);
                    version[0] = version[0].apply(e);
                } catch (IllegalArgumentException | IndexOutOfBoundsException ex) {
                    throw new CorruptionException(p, offset, "malformed manifest edit: " + ex.getMessage(), ex);
                }
                if (e.logNumber >= 0) {
                    fields[0] = e.logNumber;
                }
                if (e.nextFileNumber >= 0) {
                    fields[1] = e.nextFileNumber;
                }
                if (e.lastSequence >= 0) {
                    fields[2] = e.lastSequence;
                }
            });
            if (scan.tornBytes() > 0 && scan.tornReason().contains("checksum")) {
                throw new CorruptionException(p, scan.validBytes(), "last manifest record is complete but fails its checksum");
            }
            if (scan.tornBytes() > 0) {
                torn[0] = p.getFileName() + " ends in an incomplete record at offset " + scan.validBytes() + " ("
                        + scan.tornReason() + "), taken for an edit cut short by a crash";
            }
        }
        if (fields[0] < 0 || fields[1] < 0 || fields[2] < 0) {
            throw new CorruptionException(p, 0, "manifest lacks log number, next file number or last sequence");
        }
        return new State(number, version[0], fields[0], fields[1], fields[2], torn[0]);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
