package io.kvkit.server.partition;

import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanResponse;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static io.kvkit.server.partition.Commands.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionStateMachineTest {

    @TempDir
    Path dir;

    private PartitionStateMachine open(String engine) {
        return PartitionStateMachine.open(TestEngines.options(dir.resolve("replica"), engine));
    }

    private static String get(PartitionStateMachine m, String table, String key) {
        byte[] v = m.get(table, b(key));
        return v == null ? null : new String(v, java.nio.charset.StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void putDeleteCasAndTheirReplies(String engine) {
        try (PartitionStateMachine m = open(engine)) {
            assertThat(reply(m.apply(1, put("", "a", "1"))).hasPut()).isTrue();
            assertThat(get(m, "default", "a")).isEqualTo("1");
            Response del = reply(m.apply(2, delete("default", "a")));
            assertThat(del.getDelete().getExisted()).isTrue();
            assertThat(reply(m.apply(3, delete("default", "a"))).getDelete().getExisted()).isFalse();
            assertThat(get(m, "default", "a")).isNull();

            Response absent = reply(m.apply(4, cas("default", "c", null, "x")));
            assertThat(absent.getCompareAndSet().getSucceeded()).isTrue();
            assertThat(absent.getCompareAndSet().getCurrentExists()).isFalse();
            Response mismatch = reply(m.apply(5, cas("default", "c", "y", "z")));
            assertThat(mismatch.getStatus().getCode()).isEqualTo(StatusCode.OK);
            assertThat(mismatch.getCompareAndSet().getSucceeded()).isFalse();
            assertThat(mismatch.getCompareAndSet().getCurrentValue().toStringUtf8()).isEqualTo("x");
            assertThat(get(m, "default", "c")).isEqualTo("x");
            assertThat(reply(m.apply(6, cas("default", "c", "x", null))).getCompareAndSet().getSucceeded()).isTrue();
            assertThat(get(m, "default", "c")).isNull();
            assertThat(m.appliedIndex()).isEqualTo(6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void aBatchAppliesWholeOrNotAtAll(String engine) {
        try (PartitionStateMachine m = open(engine)) {
            m.apply(1, put("", "keep", "old"));
            Response ok = reply(m.apply(2, batch("", opPut("a", "1"), opPut("b", "2"), opDelete("keep"), opPut("a", "3"))));
            assertThat(ok.hasBatch()).isTrue();
            assertThat(get(m, "", "a")).isEqualTo("3"); // a later operation on the same key wins
            assertThat(get(m, "", "b")).isEqualTo("2");
            assertThat(get(m, "", "keep")).isNull();

            String tooBig = "v".repeat(PartitionOptions.DEFAULT_MAX_VALUE_BYTES + 1);
            Response refused = reply(m.apply(3, batch("", opPut("c", "1"), opDelete("a"), opPut("d", tooBig))));
            assertThat(refused.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(refused.getStatus().getMessage()).contains("batch operation 2 value").contains("max_value_bytes");
            assertThat(get(m, "", "c")).isNull();
            assertThat(get(m, "", "a")).isEqualTo("3");
        }
    }

    @Test
    void badInputIsADeterministicErrorReplyAndTheReplicaGoesOn() {
        try (PartitionStateMachine m = open("lsm")) {
            Response garbage = reply(m.apply(1, new byte[] {1, (byte) 0xff, (byte) 0xff, 7}));
            assertThat(garbage.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(garbage.getStatus().getMessage()).contains("does not parse");
            assertThat(reply(m.apply(2, new byte[] {9})).getStatus().getMessage()).contains("format 9 is not supported");
            assertThat(reply(m.apply(3, new byte[0])).getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            Response unknown = reply(m.apply(4, put("nosuch", "a", "1")));
            assertThat(unknown.getStatus().getCode()).isEqualTo(StatusCode.NOT_FOUND);
            assertThat(unknown.getStatus().getMessage()).contains("'nosuch'").contains("default");
            Response longKey = reply(m.apply(5, put("", "k".repeat(PartitionOptions.DEFAULT_MAX_KEY_BYTES + 1), "1")));
            assertThat(longKey.getStatus().getMessage()).contains("put key").contains("16384");
            assertThat(reply(m.apply(6, put("", "", "1"))).getStatus().getMessage()).contains("empty");
            assertThat(reply(m.apply(7, withSession(put("", "a", "1"), 0, 1, 1, true))).getStatus().getMessage())
                    .contains("client_id");
            assertThat(reply(m.apply(8, put("", "a", "fine"))).getStatus().getCode()).isEqualTo(StatusCode.OK);
            assertThat(get(m, "", "a")).isEqualTo("fine");
            assertThat(m.appliedIndex()).isEqualTo(8);
            assertThatThrownBy(() -> m.apply(8, put("", "a", "again"))).hasMessageContaining("at or below the applied index");
        }
    }

    @Test
    void tablesAreCreatedAndDropped() {
        try (PartitionStateMachine m = open("lsm")) {
            assertThat(reply(m.apply(1, createTable("t", "bplustree"))).getCreateTable().getCreated()).isTrue();
            assertThat(reply(m.apply(2, createTable("t", "bplustree"))).getCreateTable().getCreated()).isFalse();
            assertThat(reply(m.apply(3, createTable("t", "hash"))).getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
            assertThat(reply(m.apply(4, createTable("u", "nosuch"))).getStatus().getMessage()).contains("lsm");
            assertThat(reply(m.apply(5, createTable("bad/name", "lsm"))).getStatus().getMessage()).contains("not allowed");
            m.apply(6, put("t", "a", "1"));
            assertThat(get(m, "t", "a")).isEqualTo("1");
            assertThat(get(m, "default", "a")).isNull();
            assertThat(m.tables()).extracting(t -> t.getName()).containsExactly("default", "t");
            assertThat(reply(m.apply(7, dropTable("default"))).getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(reply(m.apply(8, dropTable("t"))).hasDropTable()).isTrue();
            assertThat(reply(m.apply(9, dropTable("t"))).getStatus().getCode()).isEqualTo(StatusCode.NOT_FOUND);
            assertThatThrownBy(() -> m.get("t", b("a"))).isInstanceOf(PartitionReadException.class)
                    .hasMessageContaining("does not exist");
            // created again: a new, empty table in a directory of its own
            m.apply(10, createTable("t", "hash"));
            assertThat(get(m, "t", "a")).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void aRetriedSessionCommandAppliesOnceAndAnswersItsFirstReply(String engine) {
        try (PartitionStateMachine m = open(engine)) {
            byte[] first = withSession(cas("", "a", null, "1"), 7, 1, 1, true);
            byte[] r1 = m.apply(1, first);
            m.apply(2, withSession(put("", "a", "2"), 7, 2, 1, false));
            byte[] again = m.apply(3, first);
            assertThat(again).isEqualTo(r1);
            assertThat(get(m, "", "a")).isEqualTo("2");
            byte[] del = withSession(delete("", "a"), 7, 3, 1, false);
            byte[] d1 = m.apply(4, del);
            assertThat(reply(d1).getDelete().getExisted()).isTrue();
            m.apply(5, put("", "a", "3"));
            assertThat(m.apply(6, del)).isEqualTo(d1);
            assertThat(get(m, "", "a")).isEqualTo("3");
            // an unknown client without open, and a seq below the floor: SESSION_EXPIRED, nothing applied
            assertThat(reply(m.apply(7, withSession(put("", "b", "1"), 8, 1, 1, false))).getStatus().getCode())
                    .isEqualTo(StatusCode.SESSION_EXPIRED);
            m.apply(8, withSession(put("", "c", "1"), 7, 10, 10, false));
            assertThat(reply(m.apply(9, first)).getStatus().getCode()).isEqualTo(StatusCode.SESSION_EXPIRED);
            assertThat(get(m, "", "b")).isNull();
        }
        // the session table survives a restart: the retry is still recognized
        try (PartitionStateMachine m = open(engine)) {
            assertThat(m.appliedIndex()).isEqualTo(8); // 9 changed nothing: counted lazily
            byte[] retry = withSession(put("", "c", "1"), 7, 10, 10, false);
            assertThat(reply(m.apply(10, retry)).hasPut()).isTrue();
            m.apply(11, put("", "c", "other"));
            m.apply(12, retry);
            assertThat(get(m, "", "c")).isEqualTo("other");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void sessionsSurviveRestartsAcrossJournalBasesAndTableDrops(String engine) {
        int n = SessionJournal.BASE_INTERVAL * 2 + 37;
        byte[][] replies = new byte[n + 1][];
        long index = 0;
        try (PartitionStateMachine m = open(engine)) {
            m.apply(++index, withSession(createTable("t", engine), 3, 1, 1, true));
            for (int seq = 2; seq <= n; seq++) {
                String table = seq % 3 == 0 ? "t" : "default";
                replies[seq] = m.apply(++index, withSession(put(table, "k" + (seq % 50), "v" + seq), 3, seq, 1, true));
                if (seq == SessionJournal.BASE_INTERVAL + 5) {
                    m.apply(++index, withSession(dropTable("t"), 3, ++seq, 1, true));
                    m.apply(++index, withSession(createTable("t", engine), 3, ++seq, 1, true));
                }
            }
        }
        try (PartitionStateMachine m = open(engine)) {
            assertThat(m.appliedIndex()).isEqualTo(index);
            for (int seq = n - 900 > 2 ? n - 900 : 2; seq <= n; seq += 17) {
                if (replies[seq] != null) {
                    assertThat(m.apply(++index, withSession(put("", "zz", "no"), 3, seq, 1, false)))
                            .as("reply to retried seq %d", seq).isEqualTo(replies[seq]);
                }
            }
            assertThat(m.get("", b("zz"))).isNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void restartAfterCloseKeepsDataAndAppliedIndex(String engine) {
        try (PartitionStateMachine m = open(engine)) {
            m.apply(1, createTable("t", engine));
            for (int i = 2; i <= 200; i++) {
                m.apply(i, put(i % 2 == 0 ? "t" : "", "k" + i % 30, "v" + i));
            }
        }
        try (PartitionStateMachine m = open(engine)) {
            assertThat(m.appliedIndex()).isEqualTo(200);
            assertThat(get(m, "t", "k20")).isEqualTo("v200");
            assertThat(get(m, "", "k19")).isEqualTo("v199");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void aSnapshotRestoredIntoAFreshReplicaReadsTheSame(String engine) {
        byte[] snap;
        byte[] sessionsBefore;
        try (PartitionStateMachine m = open(engine)) {
            m.apply(1, createTable("t", engine));
            for (int i = 2; i <= 300; i++) {
                m.apply(i, withSession(put(i % 3 == 0 ? "t" : "", "k" + i % 40, "v" + i), 11, i, 1, true));
            }
            snap = m.snapshot();
            sessionsBefore = m.sessions().toBytes();
        }
        Path other = dir.resolve("other");
        try (PartitionStateMachine fresh = PartitionStateMachine.open(TestEngines.options(other, engine))) {
            fresh.apply(1, put("", "stale", "gone"));
            fresh.restore(new Snapshot(305, 2, ConfState.EMPTY, snap)); // 301..305: no-ops, counted lazily
            assertThat(fresh.appliedIndex()).isEqualTo(305);
            assertThat(fresh.get("", b("stale"))).isNull();
            assertThat(fresh.sessions().toBytes()).isEqualTo(sessionsBefore);
            try (PartitionStateMachine source = open(engine)) {
                for (String table : List.of("default", "t")) {
                    for (int k = 0; k < 40; k++) {
                        assertThat(fresh.get(table, b("k" + k))).isEqualTo(source.get(table, b("k" + k)));
                    }
                }
            }
            byte[] retry = withSession(put("", "k1", "no"), 11, 299, 1, false);
            assertThat(reply(fresh.apply(306, retry)).hasPut()).isTrue();
            assertThat(get(fresh, "", "k19")).isEqualTo("v299");
        }
        try (PartitionStateMachine reopened = PartitionStateMachine.open(TestEngines.options(other, engine))) {
            assertThat(reopened.appliedIndex()).isEqualTo(305);
            assertThat(get(reopened, "", "k19")).isEqualTo("v299");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lsm", "hash", "bplustree"})
    void aFileSnapshotRestoredIntoAFreshReplicaReadsTheSameAndIsLeftAsItWas(String engine) throws Exception {
        Path snapDir = dir.resolve("file-snapshot");
        byte[] sessionsBefore;
        try (PartitionStateMachine m = open(engine)) {
            assertThat(m.snapshotsToFiles()).isTrue();
            m.apply(1, createTable("t", engine));
            for (int i = 2; i <= 300; i++) {
                m.apply(i, withSession(put(i % 3 == 0 ? "t" : "", "k" + i % 40, "v" + i), 11, i, 1, true));
            }
            java.nio.file.Files.createDirectories(snapDir);
            m.snapshotTo(snapDir);
            sessionsBefore = m.sessions().toBytes();
            m.apply(301, put("", "k1", "after the snapshot")); // the checkpoint does not move with the live state
        }
        io.kvkit.raft.storage.SnapshotManifest manifest = io.kvkit.raft.storage.SnapshotManifest.of(snapDir);
        assertThat(manifest.files()).isNotEmpty();
        Path other = dir.resolve("other");
        try (PartitionStateMachine fresh = PartitionStateMachine.open(TestEngines.options(other, engine))) {
            fresh.apply(1, put("", "stale", "gone"));
            fresh.restoreFrom(snapDir, new Snapshot(305, 2, ConfState.EMPTY, manifest.encode()));
            assertThat(fresh.appliedIndex()).isEqualTo(305);
            assertThat(fresh.get("", b("stale"))).isNull();
            assertThat(fresh.sessions().toBytes()).isEqualTo(sessionsBefore);
            assertThat(get(fresh, "", "k1")).isEqualTo("v281");
            fresh.apply(306, put("", "k2", "written after the restore"));
        }
        // the replica copied the snapshot: its own writes never reach the runtime's files
        manifest.verify(snapDir);
        try (PartitionStateMachine reopened = PartitionStateMachine.open(TestEngines.options(other, engine))) {
            assertThat(reopened.appliedIndex()).isEqualTo(306);
            assertThat(get(reopened, "t", "k39")).isEqualTo("v279");
            assertThat(get(reopened, "", "k2")).isEqualTo("written after the restore");
        }
    }

    @Test
    void aDamagedSnapshotIsRefusedAndTheReplicaKeepsItsState() {
        try (PartitionStateMachine m = open("lsm")) {
            m.apply(1, put("", "a", "1"));
            byte[] snap = m.snapshot();
            snap[snap.length / 2] ^= 0x40;
            assertThatThrownBy(() -> m.restore(new Snapshot(1, 1, ConfState.EMPTY, snap)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CRC32C");
            assertThat(get(m, "", "a")).isEqualTo("1");
            m.apply(2, put("", "b", "2"));
            assertThat(get(m, "", "b")).isEqualTo("2");
        }
    }

    @Test
    void anEmptySnapshotMeansTheEmptyState() {
        try (PartitionStateMachine m = open("hash")) {
            m.apply(1, put("", "a", "1"));
            m.restore(new Snapshot(4, 1, ConfState.EMPTY, new byte[0]));
            assertThat(m.appliedIndex()).isEqualTo(4);
            assertThat(m.get("", b("a"))).isNull();
        }
    }

    @Test
    void scansAreOrderedBoundedAndReversible() {
        try (PartitionStateMachine m = open("bplustree")) {
            for (int i = 0; i < 10; i++) {
                m.apply(i + 1, put("", "k" + i, "v" + i));
            }
            ScanResponse fwd = m.scan("", b("k2"), b("k6"), 3, false, false);
            assertThat(fwd.getEntriesList()).extracting(e -> e.getKey().toStringUtf8()).containsExactly("k2", "k3", "k4");
            assertThat(fwd.getMore()).isTrue();
            ScanResponse rev = m.scan("", b("k2"), b("k6"), 10, true, true);
            assertThat(rev.getEntriesList()).extracting(e -> e.getKey().toStringUtf8()).containsExactly("k5", "k4", "k3", "k2");
            assertThat(rev.getEntries(0).getValue().isEmpty()).isTrue();
            assertThat(rev.getMore()).isFalse();
            ScanResponse all = m.scan("", new byte[0], new byte[0], 100, false, false);
            assertThat(all.getEntriesCount()).isEqualTo(10); // the replica's own records never show
            assertThat(m.multiGet("", List.of(b("k1"), b("nope")))).satisfiesExactly(
                    v -> assertThat(v).isEqualTo(b("v1")), v -> assertThat(v).isNull());
            assertThatThrownBy(() -> m.scan("", new byte[0], new byte[0], 0, false, false))
                    .hasMessageContaining("scan limit 0");
        }
    }

    @Test
    void aScanOnATableThatCannotOrderIsUnsupportedAndNamesTheEnginesThatCan() {
        try (PartitionStateMachine m = open("hash")) {
            m.apply(1, put("", "a", "1"));
            assertThatThrownBy(() -> m.scan("", new byte[0], new byte[0], 10, false, false))
                    .isInstanceOfSatisfying(PartitionReadException.class,
                            e -> assertThat(e.code()).isEqualTo(StatusCode.UNSUPPORTED))
                    .hasMessageContaining("'hash'").hasMessageContaining("bplustree").hasMessageContaining("lsm");
        }
    }
}
