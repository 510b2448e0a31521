package io.kvkit.engine.lsm;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.KeyRange;

import java.util.Arrays;

/**
 * A forward cursor over a range at one sequence number: merges every source, skips versions
 * newer than its sequence, takes the newest remaining version of each key and hides keys whose
 * newest version is a tombstone. Holds a {@link SuperVersion} reference (nothing it reads is
 * freed) and pins its sequence (compaction keeps what it can see) until closed.
 */
final class LsmCursor implements Cursor {
    private final LsmEngine engine;
    private final SuperVersion sv;
    private final MergingIterator it;
    private final long seq;
    private final boolean ownPin;
    private final KeyRange range;
    private boolean started;
    private boolean exhausted;
    private boolean closed;
    private byte[] key;
    private byte[] value;

    LsmCursor(LsmEngine engine, SuperVersion sv, MergingIterator it, long seq, boolean ownPin, KeyRange range) {
        this.engine = engine;
        this.sv = sv;
        this.it = it;
        this.seq = seq;
        this.ownPin = ownPin;
        this.range = range;
    }

    @Override
    public boolean next() {
        if (closed) {
            throw new EngineClosedException("cursor is closed");
        }
        if (engine.isClosed()) {
            throw new EngineClosedException("LSM store in " + engine.directory() + " is closed");
        }
        if (exhausted) {
            return false;
        }
        try {
            if (!started) {
                started = true;
                if (range.isEmpty()) {
                    return finish();
                }
                if (range.start() == null) {
                    it.seekToFirst();
                } else {
                    it.seek(range.start(), Long.MAX_VALUE);
                }
            }
            byte[] decided = key;
            while (it.valid()) {
                byte[] k = it.keyRef();
                if (range.isPastEnd(k)) {
                    return finish();
                }
                long s = it.seq();
                if (s > seq || (decided != null && Arrays.equals(k, decided))) {
                    it.next();
                    continue;
                }
                decided = k;
                if (it.isTombstone()) {
                    it.next();
                    continue;
                }
                key = k;
                value = it.value();
                it.next();
                return true;
            }
            return finish();
        } catch (IllegalStateException e) {
            if (engine.isClosed()) {
                throw new EngineClosedException("LSM store in " + engine.directory() + " is closed");
            }
            throw e;
        }
    }

    private boolean finish() {
        exhausted = true;
        key = null;
        value = null;
        return false;
    }

    @Override
    public byte[] key() {
        if (key == null) {
            throw new IllegalStateException("no current entry: call next() first and check it returned true");
        }
        return key.clone();
    }

    @Override
    public byte[] value() {
        if (value == null) {
            throw new IllegalStateException("no current entry: call next() first and check it returned true");
        }
        return value.clone();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            it.close();
            if (ownPin) {
                engine.unpin(seq);
            }
            sv.unref();
        }
    }
}
