package io.kvkit.raft.sim;

import io.kvkit.raft.Entry;
import io.kvkit.raft.EntryType;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.StateMachine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * A key-value register map. Commands are "requestId|key|value"; a request id applied once is
 * never applied again (a retry cache), so a duplicated proposal cannot resurrect an old value.
 */
final class KvStateMachine implements StateMachine {
    private final TreeMap<String, String> data = new TreeMap<>();
    private final Set<Long> appliedRequests = new HashSet<>();
    private long applied;

    static byte[] encodePut(long requestId, String key, String value) {
        return (requestId + "|" + key + "|" + value).getBytes(StandardCharsets.UTF_8);
    }

    static long requestIdOf(byte[] command) {
        String s = new String(command, StandardCharsets.UTF_8);
        return Long.parseLong(s.substring(0, s.indexOf('|')));
    }

    @Override
    public void apply(Entry e) {
        if (e.index() != applied + 1) {
            throw new IllegalStateException("apply out of order: entry " + e.index() + " after " + applied);
        }
        applied = e.index();
        if (e.type() != EntryType.NORMAL || e.data().length == 0) {
            return;
        }
        String[] parts = new String(e.data(), StandardCharsets.UTF_8).split("\\|", 3);
        long req = Long.parseLong(parts[0]);
        if (appliedRequests.add(req)) {
            data.put(parts[1], parts[2]);
        }
    }

    String get(String key) {
        return data.get(key);
    }

    @Override
    public long appliedIndex() {
        return applied;
    }

    @Override
    public byte[] snapshot() {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bos);
            out.writeInt(data.size());
            for (var e : data.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.writeInt(appliedRequests.size());
            for (long r : appliedRequests) {
                out.writeLong(r);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void restore(Snapshot s) {
        data.clear();
        appliedRequests.clear();
        applied = s.index();
        if (s.data().length == 0) {
            return; // the bootstrap snapshot: empty state
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(s.data()));
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                data.put(in.readUTF(), in.readUTF());
            }
            int r = in.readInt();
            for (int i = 0; i < r; i++) {
                appliedRequests.add(in.readLong());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fingerprint of the state, for cross-replica comparison at equal applied indexes. */
    int stateHash() {
        return data.hashCode();
    }
}
