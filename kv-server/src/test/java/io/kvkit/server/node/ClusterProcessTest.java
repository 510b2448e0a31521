package io.kvkit.server.node;

import com.google.protobuf.ByteString;
import io.kvkit.client.KvClient;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.ReadConsistency;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.RouteRequest;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.server.cli.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.kvkit.server.node.RawCalls.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Nodes as processes on 127.0.0.1, killed with SIGKILL: what a crash does to acknowledged writes. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterProcessTest {

    @TempDir
    Path dir;

    private static LocalCluster.Settings small() {
        return LocalCluster.Settings.of(3).withPartitions(4).withSetting("raft-worker-threads", "1");
    }

    @Test
    void killingAPartitionLeaderLosesNoAcknowledgedWriteAndTheNodeCatchesUpOnRestart() throws Exception {
        try (LocalCluster cluster = LocalCluster.create(dir, small())) {
            cluster.startAll();
            List<String> acked = new ArrayList<>();
            try (KvClient client = KvClient.builder().seeds(cluster.endpoints().split(",")).defaultDeadline(Duration.ofSeconds(30)).build()) {
                for (int i = 0; i < 100; i++) {
                    client.put(bytes("k" + i), bytes("v" + i));
                    acked.add("k" + i);
                }
                int p = client.topology().partitionOf(bytes("k0"));
                long leader = client.refreshTopology().leaderOf(p);
                assertThat(leader).as("partition %d has a known leader", p).isPositive();
                cluster.kill9(leader);
                for (int i = 100; i < 200; i++) {
                    client.put(bytes("k" + i), bytes("v" + i));
                    acked.add("k" + i);
                }
                for (String k : acked) {
                    assertThat(client.get(bytes(k))).as("acknowledged %s after the kill", k).isEqualTo(bytes("v" + k.substring(1)));
                }
                cluster.start(leader);
                try (RawCalls raw = new RawCalls()) {
                    String restarted = cluster.clientAddresses().get(leader);
                    for (String k : acked) {
                        Response r = raw.get(restarted, "", bytes(k), ReadConsistency.FOLLOWER);
                        assertThat(r.getGet().getFound()).as("%s read at the restarted node %d: %s", k, leader, r).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void aCompareAndSetRetriedAfterItsAnswerWasLostIsAppliedOnce() throws Exception {
        try (LocalCluster cluster = LocalCluster.create(dir, small()); RawCalls raw = new RawCalls()) {
            cluster.startAll();
            String any = cluster.clientAddresses().get(1L);
            assertThat(raw.put(any, "", bytes("counter"), bytes("1")).getStatus().getCode()).isEqualTo(StatusCode.OK);
            Response route = raw.call(any, Request.newBuilder().setRoute(RouteRequest.getDefaultInstance()));
            int p = new io.kvkit.client.KeyPartitioner(route.getRoute().getPartitionCount()).partitionOf(bytes("counter"));
            long leader = route.getRoute().getPartitions(p).getLeaderNodeId();
            assertThat(leader).isPositive();

            Request.Builder cas = Request.newBuilder()
                    .setSession(Session.newBuilder().setClientId(4242).setSeq(1).setFirstIncompleteSeq(1).setOpen(true))
                    .setCompareAndSet(CompareAndSetRequest.newBuilder().setKey(ByteString.copyFrom(bytes("counter")))
                            .setExpectedValue(ByteString.copyFrom(bytes("1"))).setNewValue(ByteString.copyFrom(bytes("2"))));
            Response first = raw.call(cluster.clientAddresses().get(leader), cas);
            assertThat(first.getCompareAndSet().getSucceeded()).isTrue();
            // the answer "is lost": the leader dies, and the client retries the same command elsewhere
            cluster.kill9(leader);
            long other = leader == 1 ? 2 : 1;
            Response retry = raw.call(cluster.clientAddresses().get(other), cas);
            assertThat(retry.getStatus().getCode()).isEqualTo(StatusCode.OK);
            assertThat(retry.getCompareAndSet().getSucceeded()).as("the retry is answered from the session table").isTrue();
            Response value = raw.get(cluster.clientAddresses().get(other), "", bytes("counter"), ReadConsistency.LINEARIZABLE);
            assertThat(value.getGet().getValue().toStringUtf8()).isEqualTo("2");

            // a new command of the same client (next seq) with the same expectation now fails: the value moved once
            Request.Builder again = cas.clone().setSession(Session.newBuilder().setClientId(4242).setSeq(2).setFirstIncompleteSeq(2));
            assertThat(raw.call(cluster.clientAddresses().get(other), again).getCompareAndSet().getSucceeded()).isFalse();
        }
    }

    @Test
    void garbageOnTheClientPortClosesThatConnectionAndTheNodeServesOn() throws Exception {
        long seed = System.nanoTime();
        System.out.println("garbage seed " + seed);
        try (LocalCluster cluster = LocalCluster.create(dir, LocalCluster.Settings.of(1).withPartitions(2)); RawCalls raw = new RawCalls()) {
            cluster.startAll();
            String address = cluster.clientAddresses().get(1L);
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            Random random = new Random(seed);
            for (int round = 0; round < 20; round++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(5000);
                    OutputStream out = s.getOutputStream();
                    byte[] junk = new byte[1 + random.nextInt(4096)];
                    random.nextBytes(junk);
                    if (round % 4 == 0) { // a length prefix far over the limit
                        junk[0] = 0x7f;
                    }
                    out.write(junk);
                    out.flush();
                    // the node answers with an error and closes, or closes: either way the read ends
                    byte[] buf = new byte[8192];
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    try {
                        while (s.getInputStream().read(buf) >= 0 && System.nanoTime() < deadline) {
                            // drain
                        }
                    } catch (java.net.SocketTimeoutException | java.net.SocketException closed) {
                        // closed by the node, or a reset: fine
                    }
                }
            }
            assertThat(raw.put(address, "", bytes("still"), bytes("up")).getStatus().getCode()).isEqualTo(StatusCode.OK);
            assertThat(cluster.isRunning(1)).isTrue();
        }
    }
}
