package io.kvkit.raft.netty;

import com.google.protobuf.ByteString;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.storage.SnapshotCodec;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** The streaming decoder agrees with SnapshotCodec on every encoding, however it is cut, and detects every damaged byte. */
class SnapshotStreamDecoderTest {

    private static final long SEED = Long.getLong("kvkit.raftnetty.seed", System.nanoTime());

    /** Feeds {@code encoded} in random pieces; returns what the decoder returned at the end. */
    static Snapshot feedInPieces(byte[] encoded, long total, Random r) {
        SnapshotStreamDecoder d = new SnapshotStreamDecoder(total, "test");
        int at = 0;
        Snapshot out = null;
        while (at < encoded.length) {
            int n = Math.min(encoded.length - at, 1 + r.nextInt(r.nextBoolean() ? 8 : 5_000));
            assertThat(out).as("a snapshot only after the last byte").isNull();
            out = d.feed(ByteString.copyFrom(encoded, at, n));
            at += n;
        }
        return out;
    }

    @Test
    void decodesWhatSnapshotCodecEncodesHoweverItIsCut() {
        System.out.println("SnapshotStreamDecoderTest seed " + SEED + " (replay with -Dkvkit.raftnetty.seed=" + SEED + ")");
        Random r = new Random(SEED);
        for (int round = 0; round < 300; round++) {
            Snapshot s = SnapshotChunkSourceTest.randomSnapshot(r);
            byte[] encoded = SnapshotCodec.encode(s);
            Snapshot got = feedInPieces(encoded, encoded.length, r);
            assertThat(got).as("round %d seed %d", round, SEED).isNotNull();
            assertThat(got.index()).isEqualTo(s.index());
            assertThat(got.term()).isEqualTo(s.term());
            assertThat(got.confState()).isEqualTo(s.confState());
            assertThat(got.data()).isEqualTo(s.data());
        }
    }

    @Test
    void everyDamagedByteIsDetected() {
        Random r = new Random(SEED + 1);
        for (int round = 0; round < 100; round++) {
            Snapshot s = SnapshotChunkSourceTest.randomSnapshot(r);
            byte[] encoded = SnapshotCodec.encode(s);
            for (int k = 0; k < 20; k++) {
                byte[] bad = encoded.clone();
                int pos = k < 4 ? encoded.length - 1 - k : r.nextInt(encoded.length); // the trailer too
                bad[pos] ^= (byte) (1 + r.nextInt(255));
                try {
                    feedInPieces(bad, bad.length, r);
                    fail("byte " + pos + " of " + bad.length + " damaged and not detected (seed " + SEED + ")");
                } catch (IllegalArgumentException expected) {
                    // detected
                }
            }
        }
    }

    @Test
    void aTotalThatDisagreesWithTheFieldsIsRefused() {
        byte[] encoded = SnapshotCodec.encode(SnapshotChunkSourceTest.randomSnapshot(new Random(3)));
        assertThatThrownBy(() -> new SnapshotStreamDecoder(encoded.length + 1L, "transfer 9").feed(ByteString.copyFrom(encoded)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("transfer 9");
        assertThatThrownBy(() -> new SnapshotStreamDecoder(encoded.length - 1L, "transfer 9").feed(ByteString.copyFrom(encoded)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than the");
    }
}
