package io.kvkit.ring;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The ring's binary form (it lives in the meta group and travels to clients). Big-endian.
 *
 * <pre>
 * offset size  field
 * 0      4     magic "KVRG"
 * 4      1     format version (1)
 * 5      1     flags: bit 0 = zone-aware; other bits 0
 * 6      1     log2(Q)
 * 7      1     R
 * 8      2     tokens per standard weight
 * 10     8     epoch
 * 18     4     node count N
 *        ...   N nodes, ascending id: id i32 | weight i32 | state u8 | address (u16 length, UTF-8)
 *              | zone (u16 length, UTF-8) | token count i32 | tokens i64 each, ascending unsigned
 *        4     run count
 *        ...   runs of partitions with the same replica list, from partition 0 on:
 *              run length (varint) | R node indices into the node list (varint each), preference order
 *        4     CRC32C of every byte before it
 * </pre>
 *
 * Runs make the common case small: neighbouring partitions often share their replicas. Decoding
 * checks the magic, the version, the checksum and every length and index, and says what was
 * wrong and at which offset.
 */
public final class RingCodec {
    private static final int MAGIC = 0x4B565247; // "KVRG"

    private RingCodec() {}

    public static byte[] encode(Ring ring) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        ByteBuffer head = ByteBuffer.allocate(22);
        head.putInt(MAGIC).put((byte) Ring.FORMAT_VERSION).put((byte) (ring.zoneAware() ? 1 : 0))
                .put((byte) ring.log2PartitionCount()).put((byte) ring.replicationFactor())
                .putShort((short) ring.tokensPerStandardWeight()).putLong(ring.epoch()).putInt(ring.nodes().size());
        out.writeBytes(head.array());
        RingNode[] nodes = ring.nodeArray();
        long[][] tokens = ring.tokenArrays();
        for (int i = 0; i < nodes.length; i++) {
            RingNode n = nodes[i];
            byte[] addr = n.address().getBytes(StandardCharsets.UTF_8);
            byte[] zone = n.zone().getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + 4 + 1 + 2 + addr.length + 2 + zone.length + 4 + 8 * tokens[i].length);
            b.putInt(n.id()).putInt(n.weight()).put((byte) n.state().code);
            b.putShort((short) addr.length).put(addr).putShort((short) zone.length).put(zone);
            b.putInt(tokens[i].length);
            for (long t : tokens[i]) {
                b.putLong(t);
            }
            out.writeBytes(b.array());
        }
        int q = ring.partitionCount();
        int r = ring.replicationFactor();
        int[] a = ring.assignmentArray();
        ByteArrayOutputStream runs = new ByteArrayOutputStream();
        int runCount = 0;
        int p = 0;
        while (p < q) {
            int end = p + 1;
            while (end < q && sameRow(a, p, end, r)) {
                end++;
            }
            writeVarint(runs, end - p);
            for (int k = 0; k < r; k++) {
                writeVarint(runs, a[p * r + k]);
            }
            runCount++;
            p = end;
        }
        out.writeBytes(ByteBuffer.allocate(4).putInt(runCount).array());
        out.writeBytes(runs.toByteArray());
        CRC32C crc = new CRC32C();
        byte[] body = out.toByteArray();
        crc.update(body, 0, body.length);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    private static boolean sameRow(int[] a, int p1, int p2, int r) {
        for (int k = 0; k < r; k++) {
            if (a[p1 * r + k] != a[p2 * r + k]) {
                return false;
            }
        }
        return true;
    }

    public static Ring decode(byte[] bytes) {
        if (bytes.length < 26) {
            throw new RingFormatException("ring encoding is " + bytes.length + " bytes, shorter than the 26-byte minimum");
        }
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, bytes.length - 4);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new RingFormatException("offset 0: bad magic 0x" + Integer.toHexString(magic) + ", expected 0x4b565247 (\"KVRG\")");
        }
        int version = b.get() & 0xFF;
        if (version != Ring.FORMAT_VERSION) {
            throw new RingFormatException("offset 4: ring format version " + version + ", this build reads version "
                    + Ring.FORMAT_VERSION);
        }
        if ((int) crc.getValue() != stored) {
            throw new RingFormatException("offset " + (bytes.length - 4) + ": CRC32C mismatch (stored 0x"
                    + Integer.toHexString(stored) + ", computed 0x" + Integer.toHexString((int) crc.getValue()) + ")");
        }
        try {
            int flags = b.get() & 0xFF;
            if ((flags & ~1) != 0) {
                throw new RingFormatException("offset 5: unknown flag bits 0x" + Integer.toHexString(flags));
            }
            int log2q = b.get() & 0xFF;
            if (log2q > 20) {
                throw new RingFormatException("offset 6: log2(Q) " + log2q + " above the maximum 20");
            }
            int r = b.get() & 0xFF;
            if (r < 1 || r > RingOptions.MAX_REPLICATION_FACTOR) {
                throw new RingFormatException("offset 7: replication factor " + r + " outside [1, "
                        + RingOptions.MAX_REPLICATION_FACTOR + "]");
            }
            int tpw = b.getShort() & 0xFFFF;
            long epoch = b.getLong();
            int n = b.getInt();
            if (n < 0 || n > 65_535) {
                throw new RingFormatException("offset 18: node count " + n + " outside [0, 65535]");
            }
            RingNode[] nodes = new RingNode[n];
            long[][] tokens = new long[n][];
            for (int i = 0; i < n; i++) {
                int at = b.position();
                int id = b.getInt();
                int weight = b.getInt();
                NodeState state = NodeState.ofCode(b.get() & 0xFF);
                String addr = string(b);
                String zone = string(b);
                int tc = b.getInt();
                if (tc < 0 || tc > b.remaining() / 8) {
                    throw new RingFormatException("offset " + at + ": node " + id + " claims " + tc + " tokens, more than the bytes left");
                }
                tokens[i] = new long[tc];
                for (int k = 0; k < tc; k++) {
                    tokens[i][k] = b.getLong();
                }
                try {
                    nodes[i] = new RingNode(id, addr, zone, weight, state);
                } catch (IllegalArgumentException e) {
                    throw new RingFormatException("offset " + at + ": " + e.getMessage());
                }
            }
            int q = 1 << log2q;
            int[] a = new int[q * r];
            int runAt = b.position();
            int runs = b.getInt();
            int p = 0;
            for (int run = 0; run < runs; run++) {
                int len = readVarint(b);
                if (len <= 0 || len > q - p) {
                    throw new RingFormatException("offset " + runAt + ": run " + run + " of length " + len
                            + " does not fit in the " + (q - p) + " partitions left");
                }
                int[] row = new int[r];
                for (int k = 0; k < r; k++) {
                    row[k] = readVarint(b);
                    if (row[k] >= n) {
                        throw new RingFormatException("run " + run + ": node index " + row[k] + " >= node count " + n);
                    }
                }
                for (int j = 0; j < len; j++) {
                    System.arraycopy(row, 0, a, (p + j) * r, r);
                }
                p += len;
            }
            if (p != q) {
                throw new RingFormatException("runs cover " + p + " partitions, expected Q = " + q);
            }
            if (b.hasRemaining()) {
                throw new RingFormatException("offset " + b.position() + ": " + b.remaining() + " unexpected bytes before the checksum");
            }
            try {
                return new Ring(epoch, q, r, (flags & 1) != 0, tpw, nodes, tokens, a);
            } catch (IllegalArgumentException e) {
                throw new RingFormatException("inconsistent ring: " + e.getMessage());
            }
        } catch (BufferUnderflowException e) {
            throw new RingFormatException("ring encoding truncated at offset " + b.position());
        }
    }

    private static String string(ByteBuffer b) {
        int len = b.getShort() & 0xFFFF;
        if (len > b.remaining()) {
            throw new RingFormatException("offset " + b.position() + ": string of " + len + " bytes, only " + b.remaining() + " left");
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static int readVarint(ByteBuffer b) {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int x = b.get() & 0xFF;
            v |= (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                if (v < 0) {
                    break;
                }
                return v;
            }
        }
        throw new RingFormatException("offset " + b.position() + ": malformed varint");
    }
}
