package io.kvkit.ycsb;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The stores open in this JVM, by identity (store kind and directory), counted by the YCSB
 * client threads using them. YCSB makes one {@code DB} object per client thread; they must
 * share one engine, since an engine directory can be open only once. The first
 * {@link #acquire} opens, the last {@link #release} closes.
 */
public final class SharedRecordStores {
    private static final Map<String, Entry> OPEN = new HashMap<>();

    private SharedRecordStores() {
    }

    private static final class Entry {
        final RecordStore store;
        int users;

        Entry(RecordStore store) {
            this.store = store;
        }
    }

    /** The store open under {@code identity}, opened by {@code opener} if it is not open yet. */
    public static synchronized RecordStore acquire(String identity, Supplier<RecordStore> opener) {
        Entry e = OPEN.get(identity);
        if (e == null) {
            e = new Entry(opener.get()); // a failed open leaves nothing behind
            OPEN.put(identity, e);
        }
        e.users++;
        return e.store;
    }

    /** Gives back one use of the store under {@code identity}; the last use closes it. */
    public static synchronized void release(String identity) {
        Entry e = OPEN.get(identity);
        if (e == null) {
            throw new IllegalStateException("no store open as '" + identity + "' (released more often than acquired)");
        }
        if (--e.users == 0) {
            OPEN.remove(identity);
            e.store.close();
        }
    }

    /** How many client threads use the store under {@code identity} (0 if none is open). */
    public static synchronized int users(String identity) {
        Entry e = OPEN.get(identity);
        return e == null ? 0 : e.users;
    }
}
