package io.kvkit.raft.runtime;

import io.kvkit.raft.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test state machine that snapshots to files: the applied commands in {@code items.txt}, plus
 * {@code pad/pad.bin} of {@code padBytes} deterministic bytes so a snapshot spans many chunks
 * and more than one file (and a subdirectory). Counts how it was snapshotted and restored.
 */
final class FileMachine implements GroupStateMachine {
    private final List<String> items = new ArrayList<>();
    private final int padBytes;
    private int restoresFromFiles;
    private int emptyRestores;
    private int snapshotsWritten;

    FileMachine(int padBytes) {
        this.padBytes = padBytes;
    }

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        items.add(new String(command, StandardCharsets.UTF_8));
        return Long.toString(index).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long appliedIndex() {
        return 0;
    }

    @Override
    public byte[] snapshot() {
        throw new AssertionError("a file machine is never asked for a byte[] snapshot");
    }

    @Override
    public synchronized void restore(Snapshot s) {
        if (s.data().length != 0) {
            throw new AssertionError("a file machine is restored from bytes only from the empty founding snapshot, got " + s);
        }
        items.clear();
        emptyRestores++;
    }

    @Override
    public boolean snapshotsToFiles() {
        return true;
    }

    @Override
    public synchronized void snapshotTo(Path dir) {
        try {
            Files.writeString(dir.resolve("items.txt"), String.join("\n", items));
            Files.createDirectories(dir.resolve("pad"));
            Files.write(dir.resolve("pad").resolve("pad.bin"), pad(padBytes));
            snapshotsWritten++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void restoreFrom(Path dir, Snapshot meta) {
        try {
            if (!Arrays.equals(Files.readAllBytes(dir.resolve("pad").resolve("pad.bin")), pad(padBytes))) {
                throw new AssertionError("pad.bin in " + dir + " differs from what was written");
            }
            String all = Files.readString(dir.resolve("items.txt"));
            items.clear();
            if (!all.isEmpty()) {
                items.addAll(List.of(all.split("\n", -1)));
            }
            restoresFromFiles++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] pad(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    synchronized List<String> items() {
        return List.copyOf(items);
    }

    synchronized int restoresFromFiles() {
        return restoresFromFiles;
    }

    synchronized int snapshotsWritten() {
        return snapshotsWritten;
    }
}
