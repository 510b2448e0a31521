package io.kvkit.engine.lsm;

import java.util.Arrays;

/** Concatenates the tables of one level (1 and up), whose key ranges are disjoint and sorted. */
final class LevelIterator implements InternalIterator {
    private final FileMeta[] files;
    private final SsTableReader[] tables;
    private final boolean verify;
    private int index = -1;
    private InternalIterator it;

    LevelIterator(java.util.List<FileMeta> files, SsTableReader[] tables, boolean verify) {
        this.files = files.toArray(new FileMeta[0]);
        this.tables = tables;
        this.verify = verify;
    }

    private void open(int i) {
        index = i;
        it = i < files.length ? tables[i].iterator(verify) : null;
    }

    private void skipEmpty() {
        while (it != null && !it.valid()) {
            open(index + 1);
            if (it != null) {
                it.seekToFirst();
            }
        }
    }

    @Override
    public void seekToFirst() {
        open(0);
        if (it != null) {
            it.seekToFirst();
        }
        skipEmpty();
    }

    @Override
    public void seek(byte[] key, long seq) {
        int lo = 0;
        int hi = files.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(files[mid].largestKey(), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        open(lo);
        if (it != null) {
            it.seek(key, seq);
        }
        skipEmpty();
    }

    @Override
    public boolean valid() {
        return it != null && it.valid();
    }

    @Override
    public void next() {
        it.next();
        skipEmpty();
    }

    @Override
    public byte[] key() {
        return it.key();
    }

    @Override
    public int compareKey(byte[] other) {
        return it.compareKey(other);
    }

    @Override
    public long seq() {
        return it.seq();
    }

    @Override
    public boolean isTombstone() {
        return it.isTombstone();
    }

    @Override
    public byte[] value() {
        return it.value();
    }

    @Override
    public void close() {
    }
}
