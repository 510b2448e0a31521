package io.kvkit.raft.netty;

import com.google.protobuf.ByteString;
import io.kvkit.raft.Message;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.FileSnapshotReceiver;
import io.kvkit.raft.storage.LocatedFileSnapshot;
import io.kvkit.raft.storage.SnapshotChunk;
import io.kvkit.raft.storage.SnapshotManifest;
import io.kvkit.raft.storage.SnapshotReceiver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * One snapshot arriving on an inbound connection: where its bytes are assembled (in memory,
 * decoded as they arrive straight into the snapshot's data array by a
 * {@link SnapshotStreamDecoder}, or in a {@link SnapshotReceiver} staging directory per sending
 * node and group, synced per chunk and resumable), and the checks on each chunk and on the whole. The event loop does the cheap
 * order checks ({@link #expectChunk}); the staging thread does the rest ({@link #begin},
 * {@link #accept}), in arrival order, so disk syncs and the final decode never hold up the
 * heartbeats that follow on the same connection.
 *
 * <p>A file-backed snapshot (the offer's snapshot data is its {@link SnapshotManifest}) is
 * staged as files in {@code <staging>/from-<node>/group-<id>/files-<index>-<term>/} by a
 * {@link FileSnapshotReceiver} (CRC32C per chunk and per file, synced per chunk, resumable), and
 * delivered as a SNAPSHOT message whose data locates that directory
 * ({@link LocatedFileSnapshot}, movable): the runtime moves it into its snapshot store.
 */
final class InboundSnapshotTransfer {
    final long fromNode;
    final long transferId;
    final long groupId;
    /** The SNAPSHOT message, its snapshot's data empty. */
    final Message header;
    final long totalBytes;
    /** Set when the connection closes or a newer offer replaces this one; staged work is skipped. */
    volatile boolean cancelled;
    /** Received bytes the staging thread has acknowledged. */
    volatile long ackedBytes;

    // event loop only
    private long expectedOffset = -1;
    /** The staging thread refused or gave up: chunks still in flight are ignored. */
    volatile boolean failed;

    // staging thread only
    private final Path stagingDir;
    private SnapshotReceiver disk;
    private SnapshotStreamDecoder memory;
    private FileSnapshotReceiver files;
    private long received;

    InboundSnapshotTransfer(long fromNode, long transferId, long groupId, Message header, long totalBytes, Path stagingRoot) {
        this.fromNode = fromNode;
        this.transferId = transferId;
        this.groupId = groupId;
        this.header = header;
        this.totalBytes = totalBytes;
        this.stagingDir = stagingRoot == null ? null : stagingRoot.resolve("from-" + fromNode).resolve("group-" + groupId);
    }

    String describe() {
        return "snapshot transfer " + transferId + " from node " + fromNode + " (group " + groupId + ", snapshot "
                + header.snapshot().index() + "/" + header.snapshot().term() + ", " + totalBytes + " bytes)";
    }

    /** Staging thread: prepares storage; returns the offset the sender starts at (more than 0 when resuming). */
    long begin() {
        if (header.snapshot().data().length > 0) {
            return beginFiles();
        }
        if (stagingDir == null) {
            memory = new SnapshotStreamDecoder(totalBytes, describe());
            received = 0;
        } else {
            disk = new SnapshotReceiver(stagingDir);
            long index = header.snapshot().index();
            long term = header.snapshot().term();
            received = disk.resumeOffset(index, term);
            if (received >= totalBytes) {
                // a leftover at least as long as the whole is not a prefix of it: start over
                // (resumeOffset deletes the partial transfers of every snapshot but the one named)
                disk.resumeOffset(0, 0);
                received = 0;
            }
        }
        return received;
    }

    private long beginFiles() {
        long index = header.snapshot().index();
        long term = header.snapshot().term();
        SnapshotManifest m = SnapshotManifest.decode(header.snapshot().data(), describe());
        String mine = "files-" + index + "-" + term;
        try {
            Files.createDirectories(stagingDir);
            try (Stream<Path> s = Files.list(stagingDir)) {
                for (Path p : s.toList()) {
                    if (!p.getFileName().toString().equals(mine)) {
                        deleteTree(p); // only one transfer per (sender, group) is resumed
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the snapshot staging directory " + stagingDir, e);
        }
        files = new FileSnapshotReceiver(stagingDir.resolve(mine), index, term, m);
        received = files.resumeOffset();
        if (received >= totalBytes && totalBytes > 0) {
            files.discard(); // a complete leftover was delivered before, or not: take it again
            received = 0;
        }
        return received;
    }

    /** Staging thread: a file snapshot with no bytes (empty files only) is complete when offered. */
    Optional<Message> completeEmpty() {
        if (files == null) {
            return Optional.empty();
        }
        if (!files.accept(new SnapshotChunk(header.snapshot().index(), header.snapshot().term(), 0, new byte[0], 0, 0))) {
            return Optional.empty();
        }
        return Optional.of(located());
    }

    private Message located() {
        Snapshot h = header.snapshot();
        SnapshotManifest m = SnapshotManifest.decode(h.data(), describe());
        byte[] data = new LocatedFileSnapshot(files.directory(), true, m).encode();
        return header.toBuilder().snapshot(new Snapshot(h.index(), h.term(), h.confState(), data)).build();
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    /**
     * Event loop: whether a chunk at {@code offset} of {@code length} bytes is the next one and
     * within the window; null if so (and it is now expected), else why not.
     */
    String expectChunk(long offset, int length, int maxChunkBytes, long windowBytes) {
        if (expectedOffset < 0) {
            expectedOffset = ackedBytes; // the start the sender was told
        }
        if (length <= 0 || length > maxChunkBytes) {
            return "chunk of " + length + " bytes; allowed: 1.." + maxChunkBytes + " (snapshot.chunkBytes)";
        }
        if (offset != expectedOffset || offset + length > totalBytes) {
            return "chunk at offset " + offset + " of " + length + " bytes; expected offset " + expectedOffset
                    + " and an end within the " + totalBytes + " bytes offered";
        }
        if (offset + length - ackedBytes > windowBytes) {
            return "chunk at offset " + offset + " is beyond the window: " + (offset + length - ackedBytes)
                    + " bytes unacknowledged; allowed: " + windowBytes + " (snapshot.windowChunks x chunkBytes)";
        }
        expectedOffset = offset + length;
        return null;
    }

    /**
     * Staging thread: verifies and stores one chunk; returns the SNAPSHOT message once the last
     * chunk arrived and the whole verified.
     *
     * @throws IllegalArgumentException if the chunk or the assembled snapshot is damaged
     */
    Optional<Message> accept(long offset, ByteString bytes, int crc32c) {
        if (files != null) {
            // FileSnapshotReceiver checks the chunk's CRC32C, the order, and each file's CRC32C
            boolean complete = files.accept(new SnapshotChunk(header.snapshot().index(), header.snapshot().term(), offset,
                    bytes.toByteArray(), totalBytes, crc32c));
            received = files.resumeOffset();
            return complete ? Optional.of(located()) : Optional.empty();
        }
        Optional<Snapshot> done;
        if (disk != null) {
            // SnapshotReceiver checks the chunk's CRC32C, the order, and the whole's CRC32C
            done = disk.accept(new SnapshotChunk(header.snapshot().index(), header.snapshot().term(), offset, bytes.toByteArray(),
                    totalBytes, crc32c));
        } else {
            CRC32C crc = new CRC32C();
            crc.update(bytes.asReadOnlyByteBuffer());
            if ((int) crc.getValue() != crc32c) {
                throw new IllegalArgumentException("chunk at offset " + offset + " of " + bytes.size() + " bytes failed its CRC32C");
            }
            if (offset != received) {
                throw new IllegalArgumentException("chunk at offset " + offset + " does not follow the " + received + " bytes received");
            }
            done = Optional.ofNullable(memory.feed(bytes));
            if (done.isPresent()) {
                memory = null; // the data now belongs to the message alone
            }
        }
        received = offset + bytes.size();
        if (done.isEmpty()) {
            return Optional.empty();
        }
        Snapshot s = done.get();
        if (s.index() != header.snapshot().index() || s.term() != header.snapshot().term()) {
            throw new IllegalArgumentException("assembled snapshot is " + s.index() + "/" + s.term() + ", offered as "
                    + header.snapshot().index() + "/" + header.snapshot().term());
        }
        return Optional.of(header.toBuilder().snapshot(s).build());
    }

    /** Staging thread: bytes held so far. */
    long received() {
        return received;
    }

}
