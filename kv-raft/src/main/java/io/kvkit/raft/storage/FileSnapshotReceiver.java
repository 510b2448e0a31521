package io.kvkit.raft.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Receives the streamed form of a file-backed snapshot ({@link FileSnapshotSender}) into a
 * staging directory, file by file, syncing every chunk, so that after a crash or a broken
 * connection it resumes at {@link #resumeOffset()} (what the staging directory already holds).
 * Each chunk's CRC32C is checked before it is written, each file's CRC32C (from the manifest)
 * once it is complete; a mismatch deletes everything staged, so the transfer starts over from
 * 0: a damaged transfer is discarded, never installed in part. When the last chunk verified,
 * {@link #directory()} holds exactly the manifest's files, synced. Not thread-safe.
 */
public final class FileSnapshotReceiver {
    private final Path dir;
    private final long index;
    private final long term;
    private final SnapshotManifest manifest;
    private final long totalBytes;
    private long received;

    /**
     * @param dir staging directory of this one snapshot (index, term): what it holds is taken as
     *            the start of this snapshot's stream; anything else must not be there
     */
    public FileSnapshotReceiver(Path dir, long index, long term, SnapshotManifest manifest) {
        this.dir = dir;
        this.index = index;
        this.term = term;
        this.manifest = manifest;
        this.totalBytes = manifest.totalBytes();
        try {
            Files.createDirectories(dir);
            this.received = onDisk();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage snapshot " + index + "/" + term + " in " + dir, e);
        }
    }

    /** Bytes of the stream already staged: whole files in order, then the part of the next one. */
    private long onDisk() throws IOException {
        long at = 0;
        for (SnapshotManifest.FileEntry f : manifest.files()) {
            Path p = dir.resolve(f.path());
            long have = Files.isRegularFile(p) ? Files.size(p) : 0;
            if (have > f.size()) {
                discard();
                return 0; // not a prefix of this snapshot: start over
            }
            at += have;
            if (have < f.size()) {
                break;
            }
        }
        return at;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Where the sender continues. */
    public long resumeOffset() {
        return received;
    }

    public Path directory() {
        return dir;
    }

    /** Whether every byte arrived and verified. */
    public boolean isComplete() {
        return received == totalBytes && allFilesPresent();
    }

    private boolean allFilesPresent() {
        for (SnapshotManifest.FileEntry f : manifest.files()) {
            if (!Files.isRegularFile(dir.resolve(f.path()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes one chunk; returns true once the whole snapshot has arrived and verified (its files
     * and directories synced).
     *
     * @throws IllegalArgumentException if the chunk is damaged or out of order (nothing is
     *                                  written; resend from {@link #resumeOffset()}), or a
     *                                  completed file fails its checksum (everything staged is
     *                                  deleted; resume offset 0)
     */
    public boolean accept(SnapshotChunk c) {
        if (c.index() != index || c.term() != term || c.totalBytes() != totalBytes) {
            throw new IllegalArgumentException("chunk of snapshot " + c.index() + "/" + c.term() + " (" + c.totalBytes()
                    + " bytes) sent to the receiver of " + index + "/" + term + " (" + totalBytes + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(c.bytes());
        if ((int) crc.getValue() != c.crc32c()) {
            throw new IllegalArgumentException("snapshot " + index + "/" + term + " chunk at offset " + c.offset()
                    + " failed its checksum; resend it");
        }
        if (c.offset() != received || c.offset() + c.bytes().length > totalBytes) {
            throw new IllegalArgumentException("snapshot " + index + "/" + term + " chunk at offset " + c.offset() + " of "
                    + c.bytes().length + " bytes does not follow the " + received + " bytes received (of " + totalBytes
                    + "); resume at offset " + received);
        }
        try {
            List<SnapshotManifest.FileEntry> files = manifest.files();
            long fileStart = 0;
            int written = 0;
            byte[] b = c.bytes();
            for (SnapshotManifest.FileEntry f : files) {
                if (written == b.length) {
                    break;
                }
                long fileEnd = fileStart + f.size();
                long pos = received + written;
                if (pos < fileEnd || (f.size() == 0 && pos == fileStart)) {
                    Path p = dir.resolve(f.path());
                    Files.createDirectories(p.getParent());
                    int n = (int) Math.min(b.length - written, fileEnd - pos);
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        ByteBuffer buf = ByteBuffer.wrap(b, written, n);
                        long at = pos - fileStart;
                        while (buf.hasRemaining()) {
                            at += ch.write(buf, at);
                        }
                        ch.force(false);
                    }
                    written += n;
                    if (pos + n == fileEnd) {
                        checkFile(p, f);
                    }
                }
                fileStart = fileEnd;
            }
            received += written;
            if (received < totalBytes) {
                return false;
            }
            for (SnapshotManifest.FileEntry f : files) {
                Path p = dir.resolve(f.path());
                if (!Files.isRegularFile(p)) { // empty files at the end of the stream
                    Files.createDirectories(p.getParent());
                    Files.createFile(p);
                }
            }
            FileSnapshotStore.syncTree(dir);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot " + index + "/" + term + " chunk to " + dir, e);
        }
    }

    private void checkFile(Path p, SnapshotManifest.FileEntry f) throws IOException {
        int crc = SnapshotManifest.crc32c(p);
        if (crc != f.crc32c()) {
            discard();
            received = 0;
            throw new IllegalArgumentException("snapshot " + index + "/" + term + ": file " + f.path() + " arrived with CRC32C "
                    + Integer.toHexString(crc) + ", its manifest says " + Integer.toHexString(f.crc32c())
                    + "; the staged transfer was discarded and must start over");
        }
    }

    /** Deletes everything staged. */
    public void discard() {
        try {
            FileSnapshotStore.deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot discard the staged snapshot in " + dir, e);
        }
    }
}
