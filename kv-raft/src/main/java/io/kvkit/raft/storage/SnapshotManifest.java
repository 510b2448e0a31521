package io.kvkit.raft.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
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
 * What a file-backed snapshot holds: its files (relative paths, '/'-separated), their sizes and
 * CRC32Cs. Its encoding is the {@code data} of a file-backed {@link io.kvkit.raft.Snapshot}: small
 * (a few bytes per file), so the core, the log stores and the SNAPSHOT message carry it as they
 * carry any snapshot data, while the files stay on disk. Layout, big-endian:
 * <pre>
 * magic "KVSF" u32 | version u8 = 1 | files u32
 * per file, in transfer order (sorted by path): pathLength u16 | path UTF-8 | size u64 | crc32c u32
 * crc32c u32 over every byte before it
 * </pre>
 * The streamed form of a file-backed snapshot is its files' bytes concatenated in this order
 * ({@link FileSnapshotSender}, {@link FileSnapshotReceiver}).
 *
 * @param files the files, sorted by path
 */
public record SnapshotManifest(List<FileEntry> files) {

    /** One file of the snapshot. */
    public record FileEntry(String path, long size, int crc32c) {
        public FileEntry {
            checkPath(path);
            if (size < 0) {
                throw new IllegalArgumentException("file " + path + " has a negative size " + size);
            }
        }
    }

    private static final int MAGIC = 0x4B565346; // "KVSF"
    private static final int VERSION = 1;
    private static final int READ_BUFFER_BYTES = 1 << 20;

    public SnapshotManifest {
        files = List.copyOf(files);
        for (int i = 1; i < files.size(); i++) {
            if (files.get(i - 1).path().compareTo(files.get(i).path()) >= 0) {
                throw new IllegalArgumentException("manifest files must be sorted by path and unique: " + files.get(i - 1).path()
                        + " before " + files.get(i).path());
            }
        }
    }

    /** Bytes of all files together: the length of the streamed form. */
    public long totalBytes() {
        long n = 0;
        for (FileEntry f : files) {
            n += f.size();
        }
        return n;
    }

    /** Whether snapshot data are a manifest (magic and checksum match), as opposed to a machine's own bytes. */
    public static boolean isManifest(byte[] data) {
        if (data.length < 13 || ByteBuffer.wrap(data).getInt() != MAGIC) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        return (int) crc.getValue() == ByteBuffer.wrap(data).getInt(data.length - 4);
    }

    public byte[] encode() {
        List<byte[]> names = new ArrayList<>(files.size());
        int size = 4 + 1 + 4 + 4;
        for (FileEntry f : files) {
            byte[] n = f.path().getBytes(StandardCharsets.UTF_8);
            names.add(n);
            size += 2 + n.length + 8 + 4;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).put((byte) VERSION).putInt(files.size());
        for (int i = 0; i < files.size(); i++) {
            b.putShort((short) names.get(i).length).put(names.get(i)).putLong(files.get(i).size()).putInt(files.get(i).crc32c());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * @param source named in error messages
     * @throws IllegalArgumentException naming {@code source} if the bytes are not a whole manifest
     */
    public static SnapshotManifest decode(byte[] data, String source) {
        if (!isManifest(data)) {
            throw new IllegalArgumentException(source + ": not a file snapshot manifest (bad magic or checksum, "
                    + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, data.length - 4);
        b.getInt();
        int version = b.get();
        if (version != VERSION) {
            throw new IllegalArgumentException(source + ": manifest version " + version + "; this build reads " + VERSION);
        }
        try {
            int n = b.getInt();
            if (n < 0 || n > (data.length - 13) / 14) {
                throw new IllegalArgumentException(source + ": manifest lists " + n + " files in " + data.length + " bytes");
            }
            List<FileEntry> files = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] name = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(name);
                files.add(new FileEntry(new String(name, StandardCharsets.UTF_8), b.getLong(), b.getInt()));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(source + ": " + b.remaining() + " stray bytes after the manifest's files");
            }
            return new SnapshotManifest(files);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException(source + ": manifest fields run past its end", e);
        }
    }

    /** The manifest of every regular file under {@code dir}, reading each once for its CRC32C. */
    public static SnapshotManifest of(Path dir) {
        try {
            List<Path> paths;
            try (Stream<Path> s = Files.walk(dir)) {
                paths = s.filter(Files::isRegularFile).toList();
            }
            List<FileEntry> files = new ArrayList<>(paths.size());
            for (Path p : paths) {
                files.add(new FileEntry(relative(dir, p), Files.size(p), crc32c(p)));
            }
            files.sort((x, y) -> x.path().compareTo(y.path()));
            return new SnapshotManifest(files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshot files in " + dir, e);
        }
    }

    /**
     * Checks that {@code dir} holds exactly these files with these sizes and CRC32Cs.
     *
     * @throws IllegalArgumentException naming the first file that differs
     */
    public void verify(Path dir) {
        SnapshotManifest actual = of(dir);
        if (actual.files().size() != files.size()) {
            throw new IllegalArgumentException(dir + " holds " + actual.files().size() + " files; the snapshot lists " + files.size());
        }
        for (int i = 0; i < files.size(); i++) {
            if (!actual.files().get(i).equals(files.get(i))) {
                throw new IllegalArgumentException(dir + ": file " + actual.files().get(i) + " differs from the snapshot's "
                        + files.get(i));
            }
        }
    }

    /**
     * Checks that {@code dir} holds exactly these files with these sizes, without reading them
     * (for files whose checksums were verified as they arrived).
     *
     * @throws IllegalArgumentException naming the first file that differs
     */
    public void verifySizes(Path dir) {
        try {
            List<Path> paths;
            try (Stream<Path> s = Files.walk(dir)) {
                paths = s.filter(Files::isRegularFile).toList();
            }
            if (paths.size() != files.size()) {
                throw new IllegalArgumentException(dir + " holds " + paths.size() + " files; the snapshot lists " + files.size());
            }
            for (FileEntry f : files) {
                Path p = dir.resolve(f.path());
                if (!Files.isRegularFile(p) || Files.size(p) != f.size()) {
                    throw new IllegalArgumentException(dir + ": file " + f.path() + " is missing or not " + f.size() + " bytes long");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the snapshot files in " + dir, e);
        }
    }

    /** CRC32C of a whole file, read in 1 MiB pieces. */
    static int crc32c(Path p) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return (int) crc.getValue();
    }

    static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(dir.getFileSystem().getSeparator(), "/");
    }

    /** A path that stays inside the snapshot's directory: relative, no "." or ".." parts, no empty parts. */
    static void checkPath(String path) {
        if (path.isEmpty() || path.length() > 4096 || path.startsWith("/") || path.contains("\\")) {
            throw new IllegalArgumentException("snapshot file path '" + path + "'; allowed: a relative '/'-separated path of 1..4096 chars");
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("snapshot file path '" + path + "' has an empty, '.' or '..' part");
            }
        }
    }
}
