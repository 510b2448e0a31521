package io.kvkit.engine.bplustree;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.KeyRange;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/**
 * An ordered scan of one {@link State}: the overlay's visible versions merged with the tree's
 * cursor; where both hold a key the overlay wins, and an overlay delete hides the tree's pair.
 */
final class MergingCursor implements Cursor {
    private final TreeCursor tree;
    private final Iterator<Map.Entry<byte[], Overlay.Version>> overlay;
    private final long seq;
    private final boolean reverse;
    private Runnable release;
    private byte[] oKey;
    private byte[] oValue;
    private boolean oHas;
    private boolean oDone;
    private boolean tHas;
    private boolean tDone;
    private byte[] key;
    private byte[] value;
    private boolean valueFromTree;
    private boolean done;

    MergingCursor(TreeCursor tree, State state, KeyRange range, boolean reverse, Runnable release) {
        this.tree = tree;
        this.seq = state.seq();
        this.reverse = reverse;
        this.release = release;
        NavigableMap<byte[], Overlay.Version> m = state.overlay().map;
        if (range.isEmpty() || m.isEmpty()) {
            this.overlay = null;
            this.oDone = true;
        } else {
            byte[] s = range.start();
            byte[] e = range.end();
            NavigableMap<byte[], Overlay.Version> sub = s == null && e == null ? m
                    : s == null ? m.headMap(e, false)
                    : e == null ? m.tailMap(s, true)
                    : m.subMap(s, true, e, false);
            this.overlay = (reverse ? sub.descendingMap() : sub).entrySet().iterator();
        }
    }

    private void advanceOverlay() {
        while (overlay.hasNext()) {
            Map.Entry<byte[], Overlay.Version> e = overlay.next();
            Overlay.Version v = e.getValue().visibleAt(seq);
            if (v != null) {
                oKey = e.getKey();
                oValue = v.value();
                oHas = true;
                return;
            }
        }
        oDone = true;
    }

    @Override
    public boolean next() {
        if (done) {
            return false;
        }
        if (release == null) {
            throw new EngineClosedException("cursor is closed");
        }
        while (true) {
            if (!oHas && !oDone) {
                advanceOverlay();
            }
            if (!tHas && !tDone) {
                tHas = tree.next();
                tDone = !tHas;
            }
            if (!oHas && !tHas) {
                close();
                done = true;
                key = null;
                return false;
            }
            int c;
            if (!oHas) {
                c = 1;
            } else if (!tHas) {
                c = -1;
            } else {
                c = Arrays.compareUnsigned(oKey, tree.key());
                if (reverse) {
                    c = -c;
                }
            }
            if (c <= 0) {
                oHas = false;
                if (c == 0) {
                    tHas = false;
                }
                if (oValue == null) {
                    continue; // a delete hides the tree's pair
                }
                key = oKey.clone();
                value = oValue;
                valueFromTree = false;
                return true;
            }
            tHas = false;
            key = tree.key();
            value = null;
            valueFromTree = true;
            return true;
        }
    }

    @Override
    public byte[] key() {
        if (key == null) {
            throw new IllegalStateException("no current pair: call next() first and check that it returned true");
        }
        return key;
    }

    @Override
    public byte[] value() {
        if (key == null) {
            throw new IllegalStateException("no current pair: call next() first and check that it returned true");
        }
        if (valueFromTree) {
            if (value == null) {
                value = tree.value();
            }
            return value;
        }
        return value.clone();
    }

    @Override
    public void close() {
        tree.close();
        Runnable r = release;
        release = null;
        if (r != null) {
            r.run();
        }
    }
}
