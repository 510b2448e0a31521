package io.kvkit.raft.netty;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotRateLimiterTest {

    @Test
    void bytesArePaidForBeforeTheyLeaveAndIdleTimeEarnsNoBurst() {
        SnapshotRateLimiter l = new SnapshotRateLimiter(1_000_000, 0); // 1 byte per microsecond, no burst beyond a chunk
        long t0 = 1_000_000_000L;
        assertThat(l.reserve(1_000, t0)).isEqualTo(1_000_000);            // the first chunk waits for its own bytes
        assertThat(l.reserve(1_000, t0)).isEqualTo(2_000_000);            // queued behind it
        assertThat(l.reserve(500, t0 + 2_000_000)).isEqualTo(500_000);   // on time: only its own cost
        // 0.3 ms after the last one was due (writing it took that long): continues from the due time
        assertThat(l.reserve(1_000, t0 + 2_800_000)).isEqualTo(700_000);
        long idle = t0 + 10_000_000_000L;
        assertThat(l.reserve(1_000, idle)).isEqualTo(1_000_000);          // after 10 s idle: still no burst
    }

    @Test
    void aStreamHeldBackBrieflyCatchesUpByAtMostTheBurst() {
        SnapshotRateLimiter l = new SnapshotRateLimiter(1_000_000, 4_000); // burst: 4 ms of bytes
        long t0 = 0;
        assertThat(l.reserve(1_000, t0)).isEqualTo(1_000_000);   // due at 1 ms
        long now = 3_500_000;                                     // held 2.5 ms past that (window full)
        assertThat(l.reserve(1_000, now)).isZero();               // due at 2 ms: already past
        assertThat(l.reserve(1_000, now)).isZero();               // due at 3 ms
        assertThat(l.reserve(1_000, now)).isEqualTo(500_000);     // due at 4 ms: caught up, paced again
        long later = 4_000_000 + 4_000_001;                       // held longer than the burst
        assertThat(l.reserve(1_000, later)).isEqualTo(1_000_000); // starts afresh
    }

    @Test
    void aStreamOfReservationsNeverGetsAheadOfTheRate() {
        SnapshotRateLimiter l = new SnapshotRateLimiter(1_000_000, 8_000);
        long start = -5_000_000_000L; // System.nanoTime may be negative
        long now = start;
        long sent = 0;
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            int bytes = 1 + r.nextInt(5_000);
            long at = now + l.reserve(bytes, now);   // sent when due
            sent += bytes;
            assertThat(sent).as("bytes sent by %d ns", at - start).isLessThanOrEqualTo((at - start) / 1_000);
            now = at + r.nextInt(3_000_000);         // the write and whatever else took a while
        }
    }

    @Test
    void zeroIsUnlimitedAndNegativeIsRefused() {
        assertThat(new SnapshotRateLimiter(0, 0).reserve(Integer.MAX_VALUE, 0)).isZero();
        assertThatThrownBy(() -> new SnapshotRateLimiter(-1, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 = unlimited");
    }
}
