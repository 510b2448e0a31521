package io.kvkit.raft.storage;

import io.kvkit.raft.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Receives a snapshot in chunks into {@code dir/incoming-<index>-<term>.part}, syncing each chunk,
 * so that after a crash or a broken connection the transfer resumes at
 * {@link #resumeOffset(long, long)} instead of starting over. Each chunk's CRC32C is checked
 * before it is written, and the assembled snapshot's own CRC32C when it is complete. Not
 * thread-safe.
 */
public final class SnapshotReceiver {
    private final Path dir;

    public SnapshotReceiver(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path part(long index, long term) {
        return dir.resolve("incoming-" + index + "-" + term + ".part");
    }

    /**
     * How many bytes of snapshot (index, term) are already here; the sender continues from there.
     * Partial transfers of any other snapshot are deleted: only one is resumed.
     */
    public long resumeOffset(long index, long term) {
        Path mine = part(index, term);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("incoming-") && n.endsWith(".part") && !p.equals(mine)) {
                    Files.delete(p);
                }
            }
            return Files.exists(mine) ? Files.size(mine) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes one chunk. Returns the snapshot once its last chunk arrived and it verified.
     *
     * @throws IllegalArgumentException if the chunk is damaged, or does not start where the
     *                                  received bytes end (the sender must resume at
     *                                  {@link #resumeOffset})
     */
    public Optional<Snapshot> accept(SnapshotChunk c) {
        CRC32C crc = new CRC32C();
        crc.update(c.bytes());
        if ((int) crc.getValue() != c.crc32c()) {
            throw new IllegalArgumentException("snapshot " + c.index() + "/" + c.term() + " chunk at offset " + c.offset()
                    + " failed its checksum; resend it");
        }
        Path p = part(c.index(), c.term());
        try {
            long have = Files.exists(p) ? Files.size(p) : 0;
            if (c.offset() != have) {
                throw new IllegalArgumentException("snapshot " + c.index() + "/" + c.term() + " chunk at offset " + c.offset()
                        + " does not follow the " + have + " bytes received; resume at offset " + have);
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(c.bytes());
                long pos = have;
                while (b.hasRemaining()) {
                    pos += ch.write(b, pos);
                }
                ch.force(false);
            }
            if (!c.isLast()) {
                return Optional.empty();
            }
            byte[] all = Files.readAllBytes(p);
            Files.delete(p);
            Snapshot s = SnapshotCodec.decode(all, p.toString());
            if (s.index() != c.index() || s.term() != c.term()) {
                throw new IllegalArgumentException(p + ": assembled snapshot is " + s.index() + "/" + s.term()
                        + ", expected " + c.index() + "/" + c.term());
            }
            return Optional.of(s);
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot chunk to " + p, e);
        }
    }
}
