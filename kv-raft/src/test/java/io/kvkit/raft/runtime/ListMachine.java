package io.kvkit.raft.runtime;

import io.kvkit.raft.Snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Test state machine: the list of applied commands; replies with the index; its snapshot is the list. */
class ListMachine implements GroupStateMachine {
    private final List<String> items = new ArrayList<>();
    /** Command applied at each index since the last restore. */
    private final java.util.Map<Long, String> byIndex = new java.util.HashMap<>();
    private int restores;
    /** While non-null, apply waits for it: lets a test hold a member's state machine behind. */
    volatile CountDownLatch gate;
    /** While true, snapshot() fails, as a machine whose state is too large for one in-memory snapshot does. */
    volatile boolean failSnapshots;

    @Override
    public byte[] apply(long index, byte[] command) {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            String c = new String(command, StandardCharsets.UTF_8);
            items.add(c);
            byIndex.put(index, c);
        }
        return Long.toString(index).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public long appliedIndex() {
        return 0;
    }

    @Override
    public synchronized byte[] snapshot() {
        if (failSnapshots) {
            throw new IllegalStateException("test: this snapshot does not fit in memory");
        }
        return String.join("\n", items).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void restore(Snapshot s) {
        items.clear();
        if (s.data().length > 0) {
            items.addAll(List.of(new String(s.data(), StandardCharsets.UTF_8).split("\n", -1)));
        }
        restores++;
    }

    synchronized List<String> items() {
        return List.copyOf(items);
    }

    /** The command applied at {@code index} (if applied since the last restore), or null. */
    synchronized String commandAt(long index) {
        return byIndex.get(index);
    }

    synchronized int restores() {
        return restores;
    }
}
