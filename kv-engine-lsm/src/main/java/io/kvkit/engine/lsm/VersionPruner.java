package io.kvkit.engine.lsm;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decides which versions a flush or compaction keeps (PITFALLS #24). Versions of a key arrive
 * newest first. A version is kept if it is the newest, or if some live snapshot {@code s} sees it
 * and not the next newer version ({@code seq <= s < newerSeq}). At the bottom of the tree (no
 * older data for the key anywhere below), the oldest kept versions are dropped while they are
 * tombstones: nothing older remains for them to hide. There, too, a key's only surviving version
 * gets sequence 0 when no live snapshot predates it: every reader sees it anyway, and runs of
 * zero bytes compress away (RocksDB does the same at its bottommost level).
 */
final class VersionPruner {
    /** Receives the surviving entries in internal order. */
    interface Output {
        void add(byte[] key, long seq, byte[] valueOrNull) throws IOException;
    }

    private record Entry(long seq, byte[] value) {
    }

    private final long[] snapshots; // ascending
    private final boolean bottommost;
    private final Output out;
    private byte[] key;
    private long newerSeq;
    private final List<Entry> kept = new ArrayList<>();
    long dropped;

    VersionPruner(long[] snapshotsAscending, boolean bottommost, Output out) {
        this.snapshots = snapshotsAscending;
        this.bottommost = bottommost;
        this.out = out;
    }

    /** Offers the next entry (internal order); {@code value == null} is a tombstone. */
    void add(byte[] k, long seq, byte[] value) throws IOException {
        if (key == null || !Arrays.equals(key, k)) {
            finishKey();
            key = k;
            kept.add(new Entry(seq, value));
            newerSeq = seq;
            return;
        }
        if (snapshotBetween(seq, newerSeq)) {
            kept.add(new Entry(seq, value));
        } else {
            dropped++;
        }
        newerSeq = seq;
    }

    /** Whether a snapshot s exists with lo <= s < hi. */
    private boolean snapshotBetween(long lo, long hi) {
        int i = Arrays.binarySearch(snapshots, lo);
        if (i < 0) {
            i = -i - 1;
        }
        return i < snapshots.length && snapshots[i] < hi;
    }

    private void finishKey() throws IOException {
        if (key == null) {
            return;
        }
        int n = kept.size();
        if (bottommost) {
            while (n > 0 && kept.get(n - 1).value == null) {
                n--;
                dropped++;
            }
        }
        if (bottommost && n == 1 && (snapshots.length == 0 || snapshots[0] >= kept.get(0).seq)) {
            out.add(key, 0, kept.get(0).value);
        } else {
            for (int i = 0; i < n; i++) {
                out.add(key, kept.get(i).seq, kept.get(i).value);
            }
        }
        kept.clear();
        key = null;
    }

    /** Whether the next entry for a different key would start a new user key (output may be cut here). */
    boolean atKeyBoundary(byte[] nextKey) {
        return key == null || !Arrays.equals(key, nextKey);
    }

    /** Emits what is pending. */
    void finish() throws IOException {
        finishKey();
    }
}
