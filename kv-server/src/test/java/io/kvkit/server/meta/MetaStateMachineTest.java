package io.kvkit.server.meta;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.RouteResponse;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import io.kvkit.server.meta.proto.MetaCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetaStateMachineTest {

    private final ClusterState bootstrap = Founders.fiveNodes();
    private final MetaStateMachine machine = new MetaStateMachine(bootstrap);
    private long index;

    private Response apply(byte[] command) {
        try {
            Response r = Response.parseFrom(machine.apply(++index, command));
            assertThat(r.getRequestId()).isZero();
            return r;
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the reply is not a Response", e);
        }
    }

    @Test
    void createsATableOnceAndAnswersRepeatsWithCreatedFalse() {
        assertThat(machine.current()).isSameAs(bootstrap);
        Response r = apply(MetaCommands.createTable("users", "bplustree", Map.of("pageSizeBytes", "8KiB")));
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(r.getCreateTable().getCreated()).isTrue();
        assertThat(machine.current().epoch()).isEqualTo(2);
        assertThat(machine.current().tables().get("users")).isEqualTo(new TableRecord("users", "bplustree", Map.of("pageSizeBytes", "8KiB")));

        Response again = apply(MetaCommands.createTable("users", "bplustree", Map.of("pageSizeBytes", "8KiB")));
        assertThat(again.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(again.hasCreateTable()).isTrue();
        assertThat(again.getCreateTable().getCreated()).isFalse();
        assertThat(machine.current().epoch()).as("a repeat changes nothing").isEqualTo(2);
    }

    @Test
    void aDifferentDefinitionOfAnExistingTableIsAlreadyExists() {
        apply(MetaCommands.createTable("users", "lsm", Map.of()));
        Response otherEngine = apply(MetaCommands.createTable("users", "hash", Map.of()));
        assertThat(otherEngine.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        assertThat(otherEngine.getStatus().getMessage()).contains("table 'users' exists with engine 'lsm' and options {}");
        assertThat(otherEngine.hasCreateTable()).isFalse();
        Response otherOptions = apply(MetaCommands.createTable("users", "lsm", Map.of("blockSizeBytes", "8KiB")));
        assertThat(otherOptions.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        Response defaultTable = apply(MetaCommands.createTable("default", "hash", Map.of()));
        assertThat(defaultTable.getStatus().getCode()).isEqualTo(StatusCode.ALREADY_EXISTS);
        assertThat(defaultTable.getStatus().getMessage()).contains("engine 'lsm'");
        assertThat(machine.current().epoch()).isEqualTo(2);
    }

    @Test
    void refusesBadNamesEnginesAndOptions() {
        assertInvalid(MetaCommands.createTable("", "lsm", Map.of()), "table name ''", "allowed: 1 to 64 of A-Z a-z 0-9 _ -");
        assertInvalid(MetaCommands.createTable("a/b", "lsm", Map.of()), "table name 'a/b'");
        assertInvalid(MetaCommands.createTable("x".repeat(65), "lsm", Map.of()), "is not allowed");
        assertInvalid(MetaCommands.createTable("t", "rocksdb", Map.of()), "'rocksdb' is not a known engine",
                "bplustree", "hash", "lsm");
        assertInvalid(MetaCommands.createTable("t", "", Map.of()), "'' is not a known engine");
        assertInvalid(MetaCommands.createTable("t", "lsm", Map.of("noSuchOption", "1")), "noSuchOption", "blockSizeBytes");
        assertInvalid(MetaCommands.createTable("t", "lsm", Map.of("blockSizeBytes", "-1")), "blockSizeBytes");
        assertInvalid(MetaCommands.createTable("t", "lsm", Map.of("maxValueBytes", "10")), "maxValueBytes", "not allowed");
        assertInvalid(MetaCommands.dropTable("../etc"), "table name '../etc'");
        assertThat(machine.current()).isSameAs(bootstrap);
        // both ends of the rule are allowed
        assertThat(apply(MetaCommands.createTable("x".repeat(64), "lsm", Map.of())).getCreateTable().getCreated()).isTrue();
        assertThat(apply(MetaCommands.createTable("A-z_9", "lsm", Map.of())).getCreateTable().getCreated()).isTrue();
        assertThat(apply(MetaCommands.createTable("q", "lsm", Map.of())).getCreateTable().getCreated()).isTrue();
    }

    @Test
    void boundsTheNumberOfTables() {
        for (int i = 1; i < MetaStateMachine.MAX_TABLES; i++) {
            assertThat(apply(MetaCommands.createTable("t" + i, "hash", Map.of())).getCreateTable().getCreated()).isTrue();
        }
        assertThat(machine.current().tables()).hasSize(MetaStateMachine.MAX_TABLES);
        assertInvalid(MetaCommands.createTable("one-more", "hash", Map.of()), "at most " + MetaStateMachine.MAX_TABLES);
        assertThat(apply(MetaCommands.createTable("t1", "hash", Map.of())).getCreateTable().getCreated())
                .as("a repeat of an existing table is still fine at the bound").isFalse();
        apply(MetaCommands.dropTable("t1"));
        assertThat(apply(MetaCommands.createTable("one-more", "hash", Map.of())).getCreateTable().getCreated()).isTrue();
    }

    @Test
    void dropsTables() {
        apply(MetaCommands.createTable("t1", "hash", Map.of()));
        apply(MetaCommands.createTable("t2", "lsm", Map.of()));
        assertThat(machine.current().epoch()).isEqualTo(3);
        Response r = apply(MetaCommands.dropTable("t1"));
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.OK);
        assertThat(r.hasDropTable()).isTrue();
        assertThat(machine.current().tables()).containsOnlyKeys("default", "t2");
        assertThat(machine.current().epoch()).isEqualTo(4);

        Response missing = apply(MetaCommands.dropTable("t1"));
        assertThat(missing.getStatus().getCode()).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(missing.getStatus().getMessage()).contains("table 't1' does not exist").contains("default, t2");
        assertInvalid(MetaCommands.dropTable("default"), "the default table cannot be dropped");
        assertThat(machine.current().epoch()).isEqualTo(4);

        // created again after a drop: a new table, a new epoch
        assertThat(apply(MetaCommands.createTable("t1", "bplustree", Map.of())).getCreateTable().getCreated()).isTrue();
        assertThat(machine.current().epoch()).isEqualTo(5);
        assertThat(machine.current().tables().get("t1").engine()).isEqualTo("bplustree");
    }

    @Test
    void commandsThatDoNotParseAreInvalidArgument() {
        assertInvalid(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, "does not parse");
        assertInvalid(new byte[0], "no body", "create_table, drop_table");
        // a body a later version might add (field 15, a string) parses, but is not known here
        assertInvalid(MetaCommand.newBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(15, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("x")).build()).build())
                .build().toByteArray(), "no body");
        assertThat(machine.current()).isSameAs(bootstrap);
    }

    @Test
    void listenersSeeEveryChangeAndNothingElse() {
        List<ClusterState> seen = new ArrayList<>();
        machine.addListener(seen::add);
        machine.addListener(s -> {
            throw new IllegalStateException("a broken listener must not stop the others");
        });
        List<Long> second = new ArrayList<>();
        machine.addListener(s -> second.add(s.epoch()));
        apply(MetaCommands.createTable("a", "lsm", Map.of()));
        apply(MetaCommands.createTable("a", "lsm", Map.of()));  // no change
        apply(MetaCommands.createTable("a", "hash", Map.of())); // error
        apply(MetaCommands.dropTable("nope"));                  // error
        apply(MetaCommands.dropTable("a"));
        assertThat(seen).extracting(ClusterState::epoch).containsExactly(2L, 3L);
        assertThat(seen.get(1)).isSameAs(machine.current());
        assertThat(second).containsExactly(2L, 3L);
    }

    @Test
    void snapshotRestoresIntoAFreshMachine() {
        apply(MetaCommands.createTable("a", "lsm", Map.of("blockSizeBytes", "8KiB")));
        apply(MetaCommands.createTable("b", "hash", Map.of()));
        apply(MetaCommands.dropTable("a"));
        byte[] image = machine.snapshot();

        MetaStateMachine fresh = new MetaStateMachine(bootstrap);
        List<Long> restored = new ArrayList<>();
        fresh.addListener(s -> restored.add(s.epoch()));
        fresh.restore(new Snapshot(index, 1, ConfState.ofVoters(1L, 2L, 3L), image));
        assertThat(fresh.current()).isEqualTo(machine.current());
        assertThat(fresh.current().epoch()).isEqualTo(4);
        assertThat(restored).containsExactly(4L);
        assertThat(fresh.appliedIndex()).isZero();

        // empty data: back to the bootstrap state
        fresh.restore(new Snapshot(1, 1, ConfState.ofVoters(1L, 2L, 3L), new byte[0]));
        assertThat(fresh.current()).isSameAs(bootstrap);
    }

    @Test
    void refusesSnapshotsOfAnotherClusterOrDamaged() {
        ClusterState other = ClusterBootstrap.initialState(Founders.members(5), 64, 3, 5, "lsm", Map.of());
        byte[] foreign = other.encode();
        assertThatThrownBy(() -> machine.restore(new Snapshot(5, 1, ConfState.ofVoters(1L), foreign)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("refusing to mix two clusters").hasMessageContaining(Long.toHexString(other.clusterId()));
        byte[] damaged = machine.snapshot();
        damaged[damaged.length / 2] ^= 1;
        assertThatThrownBy(() -> machine.restore(new Snapshot(5, 1, ConfState.ofVoters(1L), damaged)))
                .isInstanceOf(ClusterStateFormatException.class).hasMessageContaining("CRC32C");
        assertThat(machine.current()).isSameAs(bootstrap);
    }

    @Test
    void sameCommandsGiveTheSameStateAndReplies() {
        long seed = System.nanoTime();
        System.out.println("MetaStateMachineTest.sameCommandsGiveTheSameStateAndReplies seed " + seed);
        Random random = new Random(seed);
        List<byte[]> log = new ArrayList<>();
        String[] engines = {"lsm", "hash", "bplustree", "nope"};
        for (int i = 0; i < 500; i++) {
            String name = random.nextInt(20) == 0 ? "default" : "t" + random.nextInt(12);
            log.add(switch (random.nextInt(4)) {
                case 0, 1 -> MetaCommands.createTable(name, engines[random.nextInt(engines.length)],
                        random.nextBoolean() ? Map.of() : Map.of("blockSizeBytes", (4 << random.nextInt(3)) + "KiB"));
                case 2 -> MetaCommands.dropTable(name);
                default -> {
                    byte[] junk = new byte[random.nextInt(8)];
                    random.nextBytes(junk);
                    yield junk;
                }
            });
        }
        MetaStateMachine a = new MetaStateMachine(Founders.fiveNodes());
        MetaStateMachine b = new MetaStateMachine(Founders.fiveNodes());
        MetaStateMachine c = new MetaStateMachine(Founders.fiveNodes());
        int changes = 0;
        for (int i = 0; i < log.size(); i++) {
            byte[] ra = a.apply(i + 1, log.get(i));
            byte[] rb = b.apply(i + 1, log.get(i));
            assertThat(rb).as("seed %d, reply to command %d", seed, i).isEqualTo(ra);
            assertThat(b.current()).isEqualTo(a.current());
            if (i == log.size() / 2) {
                c.restore(new Snapshot(i + 1, 1, ConfState.ofVoters(1L), a.snapshot())); // c joins by snapshot halfway
            } else if (i > log.size() / 2) {
                assertThat(c.apply(i + 1, log.get(i))).isEqualTo(ra);
            }
            changes = (int) a.current().epoch() - 1;
        }
        assertThat(a.current().encode()).isEqualTo(b.current().encode());
        assertThat(c.current()).isEqualTo(a.current());
        assertThat(changes).as("the random log changed something (seed %d)", seed).isPositive();
    }

    @Test
    void routeResponseDescribesTheCluster() {
        apply(MetaCommands.createTable("users", "hash", Map.of()));
        ClusterState s = machine.current();
        RouteResponse route = s.toRouteResponse(p -> p % 2 == 0 ? s.replicas((int) p).get(0) : 0);
        assertThat(route.getEpoch()).isEqualTo(2);
        assertThat(route.getPartitionCount()).isEqualTo(64);
        assertThat(route.getNodesList()).hasSize(5);
        assertThat(route.getNodes(2).getNodeId()).isEqualTo(3);
        assertThat(route.getNodes(2).getAddress()).isEqualTo("127.0.0.1:8003");
        assertThat(route.getPartitionsList()).hasSize(64);
        for (int p = 0; p < 64; p++) {
            assertThat(route.getPartitions(p).getPartitionId()).isEqualTo(p);
            assertThat(route.getPartitions(p).getReplicaNodeIdsList()).isEqualTo(s.replicas(p));
            assertThat(route.getPartitions(p).getLeaderNodeId()).isEqualTo(p % 2 == 0 ? s.replicas(p).get(0) : 0);
        }
        assertThat(route.getTablesList()).containsExactly(
                TableInfo.newBuilder().setName("default").setEngine("lsm").build(),
                TableInfo.newBuilder().setName("users").setEngine("hash").build());
    }

    private void assertInvalid(byte[] command, String... messageParts) {
        long epoch = machine.current().epoch();
        Response r = apply(command);
        assertThat(r.getStatus().getCode()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(r.getBodyCase()).isEqualTo(Response.BodyCase.BODY_NOT_SET);
        assertThat(r.getStatus().getMessage()).contains(messageParts);
        assertThat(machine.current().epoch()).isEqualTo(epoch);
    }
}
