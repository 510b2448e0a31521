package io.kvkit.raft.storage;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A file-backed snapshot's manifest together with the local directory holding its files: the
 * data of a SNAPSHOT message between the runtime and its transport on one node, never stored,
 * never seen by a core, never sent over a network. The runtime puts it in the SNAPSHOT
 * messages it sends (the transport streams the files from {@code directory}); a transport puts
 * it in the SNAPSHOT message it delivers (the runtime takes the files from {@code directory} and
 * gives the core the plain manifest). Layout, big-endian:
 * <pre>
 * magic "KVSL" u32 | version u8 = 1 | movable u8 | pathLength u16 | path UTF-8 | manifestLength u32 | manifest
 * crc32c u32 over every byte before it
 * </pre>
 *
 * @param directory where the files are
 * @param movable   whether the receiver may move the directory away (a transport's staging
 *                  directory); otherwise it must copy (it is the sender's, e.g. in-process)
 * @param manifest  the files
 */
public record LocatedFileSnapshot(Path directory, boolean movable, SnapshotManifest manifest) {

    private static final int MAGIC = 0x4B56534C; // "KVSL"
    private static final int VERSION = 1;

    public static boolean isLocated(byte[] data) {
        if (data.length < 16 || ByteBuffer.wrap(data).getInt() != MAGIC) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        return (int) crc.getValue() == ByteBuffer.wrap(data).getInt(data.length - 4);
    }

    public byte[] encode() {
        byte[] path = directory.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        byte[] m = manifest.encode();
        int size = 4 + 1 + 1 + 2 + path.length + 4 + m.length + 4;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).put((byte) VERSION).put((byte) (movable ? 1 : 0)).putShort((short) path.length).put(path)
                .putInt(m.length).put(m);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - 4);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** @throws IllegalArgumentException naming {@code source} if the bytes are not a located snapshot */
    public static LocatedFileSnapshot decode(byte[] data, String source) {
        if (!isLocated(data)) {
            throw new IllegalArgumentException(source + ": not a located file snapshot (bad magic or checksum)");
        }
        ByteBuffer b = ByteBuffer.wrap(data, 0, data.length - 4);
        b.getInt();
        int version = b.get();
        if (version != VERSION) {
            throw new IllegalArgumentException(source + ": located snapshot version " + version + "; this build reads " + VERSION);
        }
        try {
            boolean movable = b.get() != 0;
            byte[] path = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(path);
            int n = b.getInt();
            int at = b.position();
            if (n < 0 || at + n != data.length - 4) {
                throw new IllegalArgumentException(source + ": located snapshot's manifest length " + n + " does not fit");
            }
            SnapshotManifest m = SnapshotManifest.decode(Arrays.copyOfRange(data, at, at + n), source);
            return new LocatedFileSnapshot(Path.of(new String(path, StandardCharsets.UTF_8)), movable, m);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException(source + ": located snapshot fields run past its end", e);
        }
    }
}
