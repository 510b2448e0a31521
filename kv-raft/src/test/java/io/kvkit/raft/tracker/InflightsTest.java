package io.kvkit.raft.tracker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InflightsTest {

    @Test
    void fullByCountAndFreedByAcks() {
        Inflights in = new Inflights(3, 0);
        in.add(5, 10);
        in.add(7, 10);
        assertThat(in.full()).isFalse();
        in.add(9, 10);
        assertThat(in.full()).isTrue();
        assertThatThrownBy(() -> in.add(10, 1)).isInstanceOf(IllegalStateException.class);
        in.freeLE(7);
        assertThat(in.count()).isEqualTo(1);
        assertThat(in.bytes()).isEqualTo(10);
        in.add(12, 1);
        in.add(15, 1); // wraps around the ring
        assertThat(in.full()).isTrue();
        in.freeLE(100);
        assertThat(in.count()).isZero();
        assertThat(in.bytes()).isZero();
    }

    @Test
    void fullByBytes() {
        Inflights in = new Inflights(100, 1_000);
        in.add(1, 600);
        assertThat(in.full()).isFalse();
        in.add(2, 400);
        assertThat(in.full()).isTrue();
        in.freeLE(1);
        assertThat(in.full()).isFalse();
        assertThat(in.bytes()).isEqualTo(400);
    }

    @Test
    void indexesMustIncrease() {
        Inflights in = new Inflights(4, 0);
        in.add(5, 1);
        assertThatThrownBy(() -> in.add(5, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void probeSendsOneAtATimeReplicatePipelines() {
        Progress p = new Progress(0, 6, new Inflights(2, 0), false);
        assertThat(p.isPaused()).isFalse();
        p.sentEntries(3, 30);
        assertThat(p.isPaused()).as("probe waits for an answer").isTrue();
        p.maybeUpdate(8);
        p.becomeReplicate();
        assertThat(p.next()).isEqualTo(9);
        p.sentEntries(2, 20);
        assertThat(p.next()).isEqualTo(11);
        assertThat(p.isPaused()).isFalse();
        p.sentEntries(1, 10);
        assertThat(p.isPaused()).as("window of 2 is full").isTrue();
        p.maybeUpdate(10);
        p.inflights().freeLE(10);
        assertThat(p.inflights().count()).isEqualTo(1);
        // a stale rejection in replicate state is ignored; a fresh one falls back to match+1
        assertThat(p.maybeDecrTo(9, 0)).isFalse();
        assertThat(p.maybeDecrTo(11, 0)).isTrue();
        assertThat(p.next()).isEqualTo(11);
    }
}
