package io.kvkit.raft.example;

import io.kvkit.raft.Snapshot;
import io.kvkit.raft.runtime.GroupStateMachine;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replicated application: a map from keys to values, in memory. The runtime applies
 * committed commands here one at a time, in log order; client threads read the map directly
 * once the runtime says a read may be served. Nothing is kept on disk: after a restart the
 * runtime restores the latest Raft snapshot and replays the log after it.
 */
final class KvStateMachine implements GroupStateMachine {

    private static final byte[] OK = new byte[0];

    // keys as ISO-8859-1 strings: one char per byte, so equal keys are equal strings
    private final Map<String, byte[]> data = new ConcurrentHashMap<>();

    @Override
    public byte[] apply(long index, byte[] command) {
        KvCommand c = KvCommand.decode(command);
        String key = new String(c.key(), StandardCharsets.ISO_8859_1);
        switch (c.op()) {
            case PUT -> data.put(key, c.value());
            case DELETE -> data.remove(key);
        }
        return OK;
    }

    @Override
    public long appliedIndex() {
        return 0; // in memory: restored from the group's snapshot and log on every start
    }

    /** The value of {@code key}, or null. */
    byte[] get(byte[] key) {
        return data.get(new String(key, StandardCharsets.ISO_8859_1));
    }

    @Override
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(data.size());
            for (Map.Entry<String, byte[]> e : data.entrySet()) {
                byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
                out.writeInt(key.length);
                out.write(key);
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void restore(Snapshot snapshot) {
        data.clear();
        if (snapshot.data().length == 0) {
            return; // a founding member's empty state
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(snapshot.data()))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                byte[] key = in.readNBytes(in.readInt());
                byte[] value = in.readNBytes(in.readInt());
                data.put(new String(key, StandardCharsets.ISO_8859_1), value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("snapshot at index " + snapshot.index() + " does not parse", e);
        }
    }
}
