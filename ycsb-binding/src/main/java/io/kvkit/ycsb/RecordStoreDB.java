package io.kvkit.ycsb;

import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A YCSB {@link DB} over any {@link RecordStore}: the record encoding ({@link RecordCodec}), the
 * key layout and the mapping of YCSB's operations. A concrete binding only says how to open its
 * store ({@link #openStore}) and under which identity it is shared ({@link #storeIdentity}).
 *
 * <h2>Keys</h2>
 * A record's stored key is {@code table (UTF-8) 0x00 key (UTF-8)}, so tables never mix and a
 * scan stays inside its table: it reads keys in {@code [table 0x00 startkey, table 0x01)}.
 *
 * <h2>Statuses</h2>
 * OK; NOT_FOUND for a read or update of a missing record; NOT_IMPLEMENTED for a scan on a store
 * that keeps no key order (the description says which stores can), known up front
 * ({@link RecordStore#scanUnsupportedReason()}) or reported by the store when it tries
 * ({@link UnsupportedOperationException}, or a {@link RecordStoreException} of kind UNSUPPORTED).
 * A {@link RecordStoreException} maps by its kind: UNAVAILABLE to SERVICE_UNAVAILABLE, REFUSED
 * to BAD_REQUEST, FAILED to ERROR; anything else a store throws is an ERROR.
 *
 * <p>A failure's status is one of YCSB's own constants ({@link Status#ERROR}, ...), or for
 * NOT_IMPLEMENTED one status per store reason, never a status carrying the failure's details:
 * YCSB counts returns in a map keyed by the whole status, description included, so per-key
 * descriptions would split the count into one entry per key (and the export into many lines
 * of the same name) and grow that map with every failure. The details go to standard error,
 * YCSB's own channel, for the first failure of each status per JVM, and to
 * {@link #lastFailure()} for tests and tools.
 */
public abstract class RecordStoreDB extends DB {
    /** Statuses whose first failure this JVM has printed: one line each, later ones only counted by YCSB. */
    private static final Set<String> PRINTED_STATUSES = ConcurrentHashMap.newKeySet();

    private RecordStore store;
    private String identity;
    private Status scanUnsupported;
    private RuntimeException lastFailure;

    /** The key under which client threads of this JVM share one open store (e.g. kind and directory). */
    protected abstract String storeIdentity(Properties properties) throws DBException;

    /** Opens the store; called once per identity per JVM, by the first client thread. */
    protected abstract RecordStore openStore(Properties properties) throws DBException;

    @Override
    public void init() throws DBException {
        Properties p = getProperties();
        String id = storeIdentity(p);
        try {
            store = SharedRecordStores.acquire(id, () -> {
                try {
                    return openStore(p);
                } catch (DBException e) {
                    throw new OpenFailed(e);
                }
            });
        } catch (OpenFailed e) {
            throw (DBException) e.getCause();
        } catch (RuntimeException e) {
            throw new DBException("cannot open " + id + ": " + e.getMessage(), e);
        }
        identity = id;
        scanUnsupported = store.scanUnsupportedReason().map(why -> new Status("NOT_IMPLEMENTED", why)).orElse(null);
    }

    @Override
    public void cleanup() throws DBException {
        if (identity != null) {
            String id = identity;
            identity = null;
            store = null;
            try {
                SharedRecordStores.release(id);
            } catch (RuntimeException e) {
                throw new DBException("closing " + id + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The store this client thread uses (for tests and subclasses). */
    protected final RecordStore store() {
        return store;
    }

    /** The stored key of {@code key} in {@code table}. */
    public static byte[] storedKey(String table, String key) {
        byte[] t = table.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[t.length + 1 + k.length];
        System.arraycopy(t, 0, out, 0, t.length);
        System.arraycopy(k, 0, out, t.length + 1, k.length);
        return out;
    }

    /** The first stored key after every key of {@code table}. */
    static byte[] tableEnd(String table) {
        byte[] t = table.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[t.length + 1];
        System.arraycopy(t, 0, out, 0, t.length);
        out[t.length] = 0x01;
        return out;
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        try {
            byte[] v = store.get(storedKey(table, key));
            if (v == null) {
                return Status.NOT_FOUND;
            }
            copyFields(RecordCodec.decode(v, fields), result);
            return Status.OK;
        } catch (RuntimeException e) {
            return error("READ", key, e);
        }
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields,
                       Vector<HashMap<String, ByteIterator>> result) {
        if (scanUnsupported != null) {
            return scanUnsupported;
        }
        if (recordcount <= 0) {
            return Status.OK;
        }
        try {
            store.scan(storedKey(table, startkey), tableEnd(table), recordcount, (k, v) -> {
                HashMap<String, ByteIterator> row = new HashMap<>();
                copyFields(RecordCodec.decode(v, fields), row);
                result.add(row);
            });
            return Status.OK;
        } catch (RuntimeException e) {
            return error("SCAN", startkey, e);
        }
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        try {
            Map<String, byte[]> changes = toBytes(values);
            boolean found = store.update(storedKey(table, key), old -> RecordCodec.merge(old, changes));
            return found ? Status.OK : Status.NOT_FOUND;
        } catch (RuntimeException e) {
            return error("UPDATE", key, e);
        }
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        try {
            store.put(storedKey(table, key), RecordCodec.encode(toBytes(values)));
            return Status.OK;
        } catch (RuntimeException e) {
            return error("INSERT", key, e);
        }
    }

    @Override
    public Status delete(String table, String key) {
        try {
            store.delete(storedKey(table, key));
            return Status.OK;
        } catch (RuntimeException e) {
            return error("DELETE", key, e);
        }
    }

    private static Map<String, byte[]> toBytes(Map<String, ByteIterator> values) {
        Map<String, byte[]> out = new LinkedHashMap<>(values.size() * 2);
        for (Map.Entry<String, ByteIterator> e : values.entrySet()) {
            out.put(e.getKey(), e.getValue().toArray());
        }
        return out;
    }

    private static void copyFields(Map<String, byte[]> from, Map<String, ByteIterator> to) {
        for (Map.Entry<String, byte[]> e : from.entrySet()) {
            to.put(e.getKey(), new ByteArrayByteIterator(e.getValue()));
        }
    }

    private Status error(String op, String key, RuntimeException e) {
        lastFailure = e;
        String name = statusName(e);
        if (PRINTED_STATUSES.add(name)) {
            String what = op + " of '" + key + "' in " + (store == null ? "a store not open" : store.describe()) + " failed: "
                    + (e instanceof RecordStoreException ? e.getMessage() : e.toString());
            System.err.println("kvkit ycsb binding: " + name + ": " + what + " (later " + name + " answers are counted by YCSB, not printed)");
            if (name.equals("ERROR")) {
                e.printStackTrace(); // an unexpected failure: where it came from matters; the others say it in their message
            }
        }
        return switch (name) {
            case "NOT_IMPLEMENTED" -> {
                if (!op.equals("SCAN")) {
                    yield Status.NOT_IMPLEMENTED;
                }
                // the store's reason, kept: this thread's later scans answer at once, with an equal status (one count in YCSB)
                scanUnsupported = new Status(name, e.getMessage());
                yield scanUnsupported;
            }
            case "SERVICE_UNAVAILABLE" -> Status.SERVICE_UNAVAILABLE;
            case "BAD_REQUEST" -> Status.BAD_REQUEST;
            default -> Status.ERROR;
        };
    }

    /** The failure behind the last non-OK status this client thread got from the store, or null (for tests and tools). */
    public final RuntimeException lastFailure() {
        return lastFailure;
    }

    /** The YCSB status name for a failure thrown by the store. */
    static String statusName(RuntimeException e) {
        if (e instanceof UnsupportedOperationException) {
            return "NOT_IMPLEMENTED";
        }
        if (e instanceof RecordStoreException rse) {
            return switch (rse.kind()) {
                case UNAVAILABLE -> "SERVICE_UNAVAILABLE";
                case UNSUPPORTED -> "NOT_IMPLEMENTED";
                case REFUSED -> "BAD_REQUEST";
                case FAILED -> "ERROR";
            };
        }
        return "ERROR";
    }

    /** Carries a checked open failure through the opener. */
    private static final class OpenFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OpenFailed(DBException cause) {
            super(cause);
        }
    }
}
