package io.kvkit.server.partition;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.TableInfo;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tables of a replica: name → engine, options and the log index that created it (which
 * names its directory, {@code tables/<name>.<index>}, so a table dropped and created again never
 * meets the files of its previous life). Stored as one record in the system store:
 * {@code count u32 | per table: createIndex u64, length u32, TableInfo protobuf}.
 */
record TableCatalog(Map<String, Entry> tables) {

    static final String DEFAULT_TABLE = TableName.DEFAULT;

    record Entry(TableInfo info, long createIndex) {
        String directoryName() {
            return info.getName() + "." + createIndex;
        }

        boolean sameDefinition(String engine, Map<String, String> options) {
            return info.getEngine().equals(engine) && info.getOptionsMap().equals(options);
        }
    }

    TableCatalog {
        tables = Collections.unmodifiableMap(new TreeMap<>(tables));
    }

    static String checkName(String name) {
        return TableName.checkName(name);
    }

    TableCatalog with(Entry e) {
        TreeMap<String, Entry> m = new TreeMap<>(tables);
        m.put(e.info().getName(), e);
        return new TableCatalog(m);
    }

    TableCatalog without(String name) {
        TreeMap<String, Entry> m = new TreeMap<>(tables);
        m.remove(name);
        return new TableCatalog(m);
    }

    byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(tables.size());
            for (Entry e : tables.values()) {
                byte[] info = e.info().toByteArray();
                out.writeLong(e.createIndex());
                out.writeInt(info.length);
                out.write(info);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static TableCatalog fromBytes(byte[] b) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b));
            int n = in.readInt();
            TreeMap<String, Entry> m = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                long createIndex = in.readLong();
                byte[] info = new byte[in.readInt()];
                in.readFully(info);
                TableInfo t = TableInfo.parseFrom(info);
                m.put(t.getName(), new Entry(t, createIndex));
            }
            return new TableCatalog(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the table catalog does not parse: the replica's system store is damaged", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the table catalog of " + b.length + " bytes is truncated: the replica's system store is damaged", e);
        }
    }
}
