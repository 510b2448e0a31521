package io.kvkit.engine.lsm;

import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/** Merges sorted internal iterators into one internal order (user key ascending, sequence descending). */
final class MergingIterator implements InternalIterator {
    private static final class Child {
        final InternalIterator it;
        final int rank; // lower = newer source, breaks ties of identical (key, seq)
        byte[] key;
        long seq;

        Child(InternalIterator it, int rank) {
            this.it = it;
            this.rank = rank;
        }

        void load() {
            key = it.key();
            seq = it.seq();
        }
    }

    private final Child[] children;
    private final PriorityQueue<Child> heap = new PriorityQueue<>(MergingIterator::compare);
    private Child current;

    MergingIterator(List<InternalIterator> sources) {
        children = new Child[sources.size()];
        for (int i = 0; i < children.length; i++) {
            children[i] = new Child(sources.get(i), i);
        }
    }

    private static int compare(Child a, Child b) {
        int c = Arrays.compareUnsigned(a.key, b.key);
        if (c != 0) {
            return c;
        }
        c = Long.compare(b.seq, a.seq);
        return c != 0 ? c : Integer.compare(a.rank, b.rank);
    }

    private void rebuild() {
        heap.clear();
        for (Child c : children) {
            if (c.it.valid()) {
                c.load();
                heap.add(c);
            }
        }
        current = heap.poll();
    }

    @Override
    public void seekToFirst() {
        for (Child c : children) {
            c.it.seekToFirst();
        }
        rebuild();
    }

    @Override
    public void seek(byte[] key, long seq) {
        for (Child c : children) {
            c.it.seek(key, seq);
        }
        rebuild();
    }

    @Override
    public boolean valid() {
        return current != null;
    }

    @Override
    public void next() {
        Child c = current;
        c.it.next();
        if (c.it.valid()) {
            c.load();
            heap.add(c);
        }
        current = heap.poll();
    }

    @Override
    public byte[] key() {
        return current.key;
    }

    /** The current key without copying; callers must not modify it. */
    byte[] keyRef() {
        return current.key;
    }

    @Override
    public int compareKey(byte[] other) {
        return Arrays.compareUnsigned(current.key, other);
    }

    @Override
    public long seq() {
        return current.seq;
    }

    @Override
    public boolean isTombstone() {
        return current.it.isTombstone();
    }

    @Override
    public byte[] value() {
        return current.it.value();
    }

    @Override
    public void close() {
        for (Child c : children) {
            c.it.close();
        }
    }
}
