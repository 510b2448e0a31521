package io.kvkit.raft.netty;

import io.kvkit.raft.Snapshot;
import io.kvkit.raft.runtime.GroupStateMachine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A state machine whose state lives on disk and can be far larger than the heap: the command
 * {@code "grow <MiB>"} at index i writes {@code blob-<i>} of that many MiB of bytes derived from
 * i (1 MiB at a time). It snapshots to files by hard-linking its blobs (they are never modified)
 * and restores by linking the snapshot's. {@link GroupStateMachine#snapshot()} is never used.
 */
final class BlobFileMachine implements GroupStateMachine {
    private static final int MIB = 1 << 20;
    private final Path dir;
    private volatile long lastApplied;
    private volatile int restoresFromFiles;

    BlobFileMachine(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    long lastApplied() {
        return lastApplied;
    }

    int restoresFromFiles() {
        return restoresFromFiles;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        String c = new String(command, StandardCharsets.UTF_8);
        int mib = Integer.parseInt(c.substring("grow ".length()));
        ByteBuffer buf = ByteBuffer.allocate(MIB);
        try (FileChannel ch = FileChannel.open(dir.resolve("blob-" + index), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int m = 0; m < mib; m++) {
                buf.clear();
                long x = index * 1_000_003L + m;
                while (buf.hasRemaining()) {
                    x = x * 6364136223846793005L + 1442695040888963407L;
                    buf.putLong(x);
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        lastApplied = index;
        return new byte[0];
    }

    @Override
    public long appliedIndex() {
        return 0;
    }

    @Override
    public byte[] snapshot() {
        throw new AssertionError("this machine snapshots to files only");
    }

    @Override
    public void restore(Snapshot snapshot) {
        if (snapshot.data().length != 0) {
            throw new AssertionError("restored from bytes other than the empty founding snapshot: " + snapshot);
        }
    }

    @Override
    public boolean snapshotsToFiles() {
        return true;
    }

    @Override
    public void snapshotTo(Path target) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.createLink(target.resolve(p.getFileName()), p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void restoreFrom(Path source, Snapshot meta) {
        try {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
            try (Stream<Path> s = Files.list(source)) {
                for (Path p : s.toList()) {
                    Files.createLink(dir.resolve(p.getFileName()), p);
                }
            }
            lastApplied = meta.index();
            restoresFromFiles++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
