package io.kvkit.raft.netty;

import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SnapshotCodec;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lazily cut encoding must be SnapshotCodec's, byte for byte, from the start or resumed anywhere. */
class SnapshotChunkSourceTest {

    private static final long SEED = Long.getLong("kvkit.raftnetty.seed", System.nanoTime());

    static Snapshot randomSnapshot(Random r) {
        List<Long> voters = new ArrayList<>();
        for (int i = r.nextInt(6); i > 0; i--) {
            voters.add(1 + (long) r.nextInt(1000));
        }
        List<Long> learners = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            learners.add(2000 + (long) r.nextInt(1000));
        }
        byte[] data = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 3_000 : 50_000)];
        r.nextBytes(data);
        return new Snapshot(1 + r.nextInt(1_000_000), 1 + r.nextInt(100), new ConfState(voters, learners), data);
    }

    @Test
    void chunksConcatenateToTheCodecEncodingWithValidCrcs() {
        System.out.println("SnapshotChunkSourceTest seed " + SEED + " (replay with -Dkvkit.raftnetty.seed=" + SEED + ")");
        Random r = new Random(SEED);
        for (int round = 0; round < 300; round++) {
            Snapshot s = randomSnapshot(r);
            byte[] expected = SnapshotCodec.encode(s);
            SnapshotChunkSource source = new SnapshotChunkSource(s);
            assertThat(source.totalBytes()).isEqualTo(expected.length);
            // tiny chunks cross the header, data and trailer boundaries in every way; on small snapshots only, for speed
            int chunkBytes = expected.length < 4_000 && r.nextBoolean() ? 1 + r.nextInt(16) : 17 + r.nextInt(20_000);
            long start = r.nextInt(4) == 0 ? r.nextInt(expected.length) : 0; // sometimes resumed
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (long off = start; off < expected.length; ) {
                SnapshotChunkSource.Chunk c = source.chunkAt(off, chunkBytes);
                byte[] bytes = c.bytes().toByteArray();
                assertThat(c.offset()).isEqualTo(off);
                assertThat(bytes.length).isBetween(1, chunkBytes);
                CRC32C crc = new CRC32C();
                crc.update(bytes);
                assertThat(c.crc32c()).as("chunk CRC at %d, seed %d", off, SEED).isEqualTo((int) crc.getValue());
                got.writeBytes(bytes);
                off += bytes.length;
            }
            byte[] tail = new byte[expected.length - (int) start];
            System.arraycopy(expected, (int) start, tail, 0, tail.length);
            assertThat(got.toByteArray()).as("round %d seed %d", round, SEED).isEqualTo(tail);
            if (start == 0) {
                assertThat(SnapshotCodec.decode(got.toByteArray(), "test").data()).isEqualTo(s.data());
            }
        }
    }

    @Test
    void offsetsMayNotGoBack() {
        SnapshotChunkSource source = new SnapshotChunkSource(new Snapshot(5, 2, ConfState.ofVoters(1L), new byte[100]));
        source.chunkAt(0, 50);
        assertThatThrownBy(() -> source.chunkAt(10, 50)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offsets must grow from 50");
        assertThatThrownBy(() -> source.chunkAt(source.totalBytes(), 50)).isInstanceOf(IllegalArgumentException.class);
    }
}
