package io.kvkit.server.partition;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A directory tree of engine checkpoints as one byte array: the partition's single-array snapshot
 * form ({@link PartitionStateMachine#snapshot()}, {@link PartitionStateMachine#restore}). Raft no
 * longer uses it for partitions, whose snapshots are files streamed from disk
 * ({@link PartitionStateMachine#snapshotTo}); it stays because snapshots recorded in a log before
 * that change still arrive as archives and must restore, and because a small replica can be
 * copied as one array. Layout, big-endian:
 * <pre>
 * magic "KVPS" u32 | format u8 = 1 | appliedIndex u64 | files u32
 * per file, sorted by path:  pathLength u16 | path (UTF-8, '/'-separated, relative)
 *                            | dataLength u64 | data | CRC32C u32 over path and data
 * CRC32C u32 over every byte before it
 * </pre>
 * The whole archive lives in memory: a partition larger than the heap (or about 2 GiB) cannot
 * be packed this way.
 */
final class SnapshotArchive {

    static final int MAGIC = 0x4B565053; // "KVPS"
    static final byte FORMAT_V1 = 1;

    private SnapshotArchive() {
    }

    static byte[] pack(Path root, long appliedIndex) {
        try {
            List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(Files::isRegularFile).forEach(files::add);
            }
            List<String> names = new ArrayList<>();
            for (Path f : files) {
                names.add(root.relativize(f).toString().replace(root.getFileSystem().getSeparator(), "/"));
            }
            names.sort(null);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeByte(FORMAT_V1);
            out.writeLong(appliedIndex);
            out.writeInt(names.size());
            for (String name : names) {
                byte[] path = name.getBytes(StandardCharsets.UTF_8);
                byte[] data = Files.readAllBytes(root.resolve(name));
                CRC32C crc = new CRC32C();
                crc.update(path);
                crc.update(data);
                out.writeShort(path.length);
                out.write(path);
                out.writeLong(data.length);
                out.write(data);
                out.writeInt((int) crc.getValue());
            }
            out.flush();
            CRC32C all = new CRC32C();
            byte[] body = bytes.toByteArray();
            all.update(body);
            out.writeInt((int) all.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot archive the checkpoint in " + root, e);
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException("the partition's checkpoint does not fit in one in-memory snapshot", e);
        }
    }

    /**
     * Verifies {@code archive} whole, then writes its files under {@code target} (which must not
     * exist), each fsynced. Returns the applied index recorded in it.
     *
     * @throws IllegalArgumentException naming what is damaged; nothing is written then
     */
    static long unpack(byte[] archive, Path target) {
        if (archive.length < 4 + 1 + 8 + 4 + 4) {
            throw new IllegalArgumentException("partition snapshot of " + archive.length + " bytes is too short for its header");
        }
        CRC32C all = new CRC32C();
        all.update(archive, 0, archive.length - 4);
        int stored = ByteBuffer.wrap(archive, archive.length - 4, 4).getInt();
        if (stored != (int) all.getValue()) {
            throw new IllegalArgumentException("partition snapshot of " + archive.length + " bytes fails its CRC32C (stored "
                    + Integer.toHexString(stored) + ", computed " + Long.toHexString(all.getValue()) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(archive, 0, archive.length - 4);
        try {
            int magic = b.getInt();
            byte format = b.get();
            if (magic != MAGIC || format != FORMAT_V1) {
                throw new IllegalArgumentException("not a partition snapshot of format " + FORMAT_V1 + " (magic "
                        + Integer.toHexString(magic) + ", format " + format + ")");
            }
            long appliedIndex = b.getLong();
            int count = b.getInt();
            record FileEntry(String path, int offset, int length) {}
            List<FileEntry> entries = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] path = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(path);
                long length = b.getLong();
                if (length < 0 || length > b.remaining()) {
                    throw new IllegalArgumentException("partition snapshot file " + i + " claims " + length
                            + " bytes, more than the archive holds");
                }
                int offset = b.position();
                b.position(offset + (int) length);
                CRC32C crc = new CRC32C();
                crc.update(path);
                crc.update(archive, offset, (int) length);
                if (b.getInt() != (int) crc.getValue()) {
                    throw new IllegalArgumentException("partition snapshot file " + new String(path, StandardCharsets.UTF_8)
                            + " fails its CRC32C");
                }
                entries.add(new FileEntry(checkPath(new String(path, StandardCharsets.UTF_8)), offset, (int) length));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("partition snapshot has " + b.remaining() + " trailing bytes");
            }
            Files.createDirectories(target);
            for (FileEntry e : entries) {
                Path f = target.resolve(e.path());
                Files.createDirectories(f.getParent());
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer data = ByteBuffer.wrap(archive, e.offset(), e.length());
                    while (data.hasRemaining()) {
                        ch.write(data);
                    }
                    ch.force(true);
                }
            }
            fsyncTree(target);
            return appliedIndex;
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("partition snapshot of " + archive.length + " bytes is truncated inside a record", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the partition snapshot into " + target, e);
        }
    }

    private static String checkPath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
            throw new IllegalArgumentException("partition snapshot names file '" + path + "' (allowed: a relative '/'-separated path)");
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("partition snapshot names file '" + path + "' (allowed: no empty, '.' or '..' parts)");
            }
        }
        return path;
    }

    /** fsyncs every directory under and including {@code dir}, so new entries survive power loss. */
    static void fsyncTree(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isDirectory).forEach(dirs::add);
        }
        for (Path d : dirs.reversed()) {
            fsyncDirectory(d);
        }
    }

    static void fsyncDirectory(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
