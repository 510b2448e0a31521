package io.kvkit.raft.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Cuts the streamed form of a file-backed snapshot (its files concatenated in manifest order,
 * {@link SnapshotManifest}) into chunks read from disk: one chunk in memory at a time, whatever
 * the snapshot's size. Chunks can be cut from any offset, so a transfer resumes where the
 * receiver says it stopped ({@link FileSnapshotReceiver#resumeOffset()}). A file that changed
 * size since the manifest was made fails the chunk (the snapshot was deleted or damaged: the
 * transfer fails and Raft sends a newer one). Not thread-safe; {@link #close()} releases the
 * file it has open.
 */
public final class FileSnapshotSender implements Closeable {
    private final long index;
    private final long term;
    private final SnapshotManifest manifest;
    private final Path dir;
    private final long totalBytes;
    private final long[] fileStarts;
    private int openFile = -1;
    private FileChannel channel;

    public FileSnapshotSender(long index, long term, SnapshotManifest manifest, Path dir) {
        this.index = index;
        this.term = term;
        this.manifest = manifest;
        this.dir = dir;
        this.fileStarts = new long[manifest.files().size()];
        long at = 0;
        for (int i = 0; i < fileStarts.length; i++) {
            fileStarts[i] = at;
            at += manifest.files().get(i).size();
        }
        this.totalBytes = at;
    }

    public long totalBytes() {
        return totalBytes;
    }

    public SnapshotManifest manifest() {
        return manifest;
    }

    /** The chunk of at most {@code maxBytes} starting at {@code offset} (0 ≤ offset &lt; totalBytes). */
    public SnapshotChunk chunkAt(long offset, int maxBytes) {
        if (offset < 0 || offset >= totalBytes || maxBytes <= 0) {
            throw new IllegalArgumentException("chunk at " + offset + " of " + maxBytes + " bytes; allowed: an offset in [0, "
                    + totalBytes + ") and a size > 0");
        }
        byte[] out = new byte[(int) Math.min(maxBytes, totalBytes - offset)];
        int filled = 0;
        long pos = offset;
        try {
            while (filled < out.length) {
                int f = fileAt(pos);
                SnapshotManifest.FileEntry e = manifest.files().get(f);
                FileChannel ch = open(f);
                long inFile = pos - fileStarts[f];
                int n = (int) Math.min(out.length - filled, e.size() - inFile);
                ByteBuffer b = ByteBuffer.wrap(out, filled, n);
                while (b.hasRemaining()) {
                    int r = ch.read(b, inFile + (n - b.remaining()));
                    if (r < 0) {
                        throw new IllegalStateException(dir.resolve(e.path()) + " ends before the " + e.size()
                                + " bytes its snapshot lists: the snapshot changed under the transfer");
                    }
                }
                filled += n;
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading snapshot " + index + " in " + dir + " at stream offset " + pos, e);
        }
        CRC32C crc = new CRC32C();
        crc.update(out);
        return new SnapshotChunk(index, term, offset, out, totalBytes, (int) crc.getValue());
    }

    /** The file holding stream offset {@code pos} (skipping empty files). */
    private int fileAt(long pos) {
        int lo = 0;
        int hi = fileStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (fileStarts[mid] <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        while (manifest.files().get(lo).size() == 0 || pos >= fileStarts[lo] + manifest.files().get(lo).size()) {
            lo++;
        }
        return lo;
    }

    private FileChannel open(int f) throws IOException {
        if (f != openFile) {
            close();
            channel = FileChannel.open(dir.resolve(manifest.files().get(f).path()), StandardOpenOption.READ);
            openFile = f;
        }
        return channel;
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // read-only: nothing was lost
            }
            channel = null;
            openFile = -1;
        }
    }
}
