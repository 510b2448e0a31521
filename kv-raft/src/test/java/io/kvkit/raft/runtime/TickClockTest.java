package io.kvkit.raft.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TickClockTest {

    private static final long MS = 1_000_000;

    @Test
    void ticksFollowTheClockAndMissedOnesAreCaughtUpOnce() {
        TickClock c = new TickClock(100 * MS, 20, 0);
        assertThat(c.due(50 * MS)).isZero();
        assertThat(c.nanosUntilNextTick(50 * MS)).isEqualTo(50 * MS);
        assertThat(c.due(100 * MS)).isEqualTo(1);
        assertThat(c.due(150 * MS)).isZero();
        assertThat(c.due(520 * MS)).isEqualTo(4); // 200, 300, 400, 500
        assertThat(c.due(599 * MS)).isZero(); // the phase is kept: next at 600
        assertThat(c.due(600 * MS)).isEqualTo(1);
    }

    @Test
    void aLongPauseDeliversAtMostTheCapAndRestartsThePhase() {
        TickClock c = new TickClock(100 * MS, 20, 0);
        assertThat(c.due(60_000 * MS)).isEqualTo(20); // a one-minute pause: 600 ticks missed, 20 delivered
        assertThat(c.due(60_050 * MS)).isZero();
        assertThat(c.due(60_100 * MS)).isEqualTo(1);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new TickClock(0, 20, 0)).hasMessageContaining("tick must be > 0 ns");
        assertThatThrownBy(() -> new TickClock(MS, 0, 0)).hasMessageContaining("catch-up cap >= 1");
    }
}
