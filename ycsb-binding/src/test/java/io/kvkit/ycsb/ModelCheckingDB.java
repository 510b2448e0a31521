package io.kvkit.ycsb;

import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps the binding under test for one client thread and checks every answer against an
 * in-memory model of the table: a read must return exactly the model's fields, a scan exactly
 * the model's next records. Counts statuses per operation.
 */
final class ModelCheckingDB extends DB {
    private final DB real;
    private final TreeMap<String, Map<String, byte[]>> model = new TreeMap<>();
    final Map<String, AtomicLong> statusCounts = new ConcurrentHashMap<>();
    final List<String> mismatches = new ArrayList<>();
    final List<Status> scanStatuses = new ArrayList<>();

    ModelCheckingDB(DB real) {
        this.real = real;
    }

    /** Starts this checker's model from what {@code loaded} saw written (the load phase). */
    void startFrom(ModelCheckingDB loaded) {
        loaded.model.forEach((k, v) -> model.put(k, new HashMap<>(v)));
    }

    @Override
    public void setProperties(Properties p) {
        super.setProperties(p);
        real.setProperties(p);
    }

    @Override
    public void init() throws DBException {
        real.init();
    }

    @Override
    public void cleanup() throws DBException {
        real.cleanup();
    }

    private Status count(String op, Status s) {
        statusCounts.computeIfAbsent(op + "=" + s.getName(), k -> new AtomicLong()).incrementAndGet();
        return s;
    }

    long count(String opAndStatus) {
        AtomicLong n = statusCounts.get(opAndStatus);
        return n == null ? 0 : n.get();
    }

    private static Map<String, byte[]> materialize(Map<String, ByteIterator> values) {
        Map<String, byte[]> out = new HashMap<>();
        values.forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }

    private static HashMap<String, ByteIterator> iterators(Map<String, byte[]> values) {
        HashMap<String, ByteIterator> out = new HashMap<>();
        values.forEach((k, v) -> out.put(k, new ByteArrayByteIterator(v)));
        return out;
    }

    private void compare(String what, Map<String, byte[]> expected, Set<String> fields, Map<String, byte[]> actual) {
        Map<String, byte[]> want = new HashMap<>();
        expected.forEach((k, v) -> {
            if (fields == null || fields.contains(k)) {
                want.put(k, v);
            }
        });
        if (!want.keySet().equals(actual.keySet())) {
            mismatches.add(what + ": fields " + actual.keySet() + ", expected " + want.keySet());
            return;
        }
        want.forEach((k, v) -> {
            if (!Arrays.equals(v, actual.get(k))) {
                mismatches.add(what + ": field " + k + " differs");
            }
        });
    }

    @Override
    public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
        Status s = real.read(table, key, fields, result);
        Map<String, byte[]> expected = model.get(key);
        if (expected == null) {
            if (s != Status.NOT_FOUND) {
                mismatches.add("read " + key + ": " + s.getName() + " for a missing record");
            }
        } else if (s.isOk()) {
            compare("read " + key, expected, fields, materialize(result));
        }
        return count("READ", s);
    }

    @Override
    public Status scan(String table, String startkey, int recordcount, Set<String> fields, Vector<HashMap<String, ByteIterator>> result) {
        Status s = real.scan(table, startkey, recordcount, fields, result);
        scanStatuses.add(s);
        if (s.isOk()) {
            List<Map.Entry<String, Map<String, byte[]>>> expected = new ArrayList<>(model.tailMap(startkey, true).entrySet());
            expected = expected.subList(0, Math.min(recordcount, expected.size()));
            if (expected.size() != result.size()) {
                mismatches.add("scan from " + startkey + " for " + recordcount + ": " + result.size() + " records, expected " + expected.size());
            } else {
                for (int i = 0; i < expected.size(); i++) {
                    compare("scan from " + startkey + " record " + i, expected.get(i).getValue(), fields, materialize(result.get(i)));
                }
            }
        }
        return count("SCAN", s);
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
        Map<String, byte[]> v = materialize(values);
        Status s = real.update(table, key, iterators(v));
        if (s.isOk()) {
            Map<String, byte[]> rec = model.get(key);
            if (rec == null) {
                mismatches.add("update " + key + ": OK for a missing record");
            } else {
                rec.putAll(v);
            }
        }
        return count("UPDATE", s);
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
        Map<String, byte[]> v = materialize(values);
        Status s = real.insert(table, key, iterators(v));
        if (s.isOk()) {
            model.put(key, new HashMap<>(v));
        }
        return count("INSERT", s);
    }

    @Override
    public Status delete(String table, String key) {
        Status s = real.delete(table, key);
        if (s.isOk()) {
            model.remove(key);
        }
        return count("DELETE", s);
    }
}
