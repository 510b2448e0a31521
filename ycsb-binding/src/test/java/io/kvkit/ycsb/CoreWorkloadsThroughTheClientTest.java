package io.kvkit.ycsb;

import io.kvkit.client.PublicFakeCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import site.ycsb.Status;
import site.ycsb.measurements.Measurements;
import site.ycsb.workloads.CoreWorkload;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every core workload at a tiny size through the remote binding, driven the way YCSB's client
 * thread drives it (load with one DB object, clean up, run with another), against kv-client's
 * fake cluster with an ordered table and a hash table. Every answer is compared with a model of
 * the table ({@link ModelCheckingDB}); every status must be OK, except scans of the hash table,
 * which must be NOT_IMPLEMENTED with the server's reason.
 */
class CoreWorkloadsThroughTheClientTest {
    static final int RECORDS = 150;
    static final int OPERATIONS = 150;

    private PublicFakeCluster cluster;

    @BeforeEach
    void start() {
        cluster = new PublicFakeCluster(3, 16, 3);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    static Stream<Arguments> engineAndWorkload() {
        return Stream.of("bplustree", "hash").flatMap(e -> CoreWorkloads.NAMES.stream().map(w -> Arguments.of(e, w)));
    }

    @ParameterizedTest(name = "{1} on a {0} table")
    @MethodSource("engineAndWorkload")
    void workloadRunsThroughTheClientAndEveryAnswerMatchesTheModel(String engine, String workload) throws Exception {
        Properties p = CoreWorkloads.properties(workload);
        p.setProperty("recordcount", String.valueOf(RECORDS));
        p.setProperty("operationcount", String.valueOf(OPERATIONS));
        p.setProperty("fieldlength", "20");
        p.setProperty(KvkitRemoteOptions.ENDPOINTS, cluster.endpoints());
        p.setProperty(KvkitRemoteOptions.TABLE, "ycsb_" + engine);
        p.setProperty(KvkitRemoteOptions.CREATE_TABLE, "true");
        p.setProperty(KvkitRemoteOptions.ENGINE, engine);
        Measurements.setProperties(p);

        CoreWorkload load = new CoreWorkload();
        load.init(p);
        ModelCheckingDB loader = new ModelCheckingDB(new KvkitRemoteDB());
        loader.setProperties(p);
        loader.init();
        Object loadState = load.initThread(p, 0, 1);
        for (int i = 0; i < RECORDS; i++) {
            assertThat(load.doInsert(loader, loadState)).as("insert %d", i).isTrue();
        }
        loader.cleanup();
        assertThat(loader.count("INSERT=OK")).isEqualTo(RECORDS);

        CoreWorkload run = new CoreWorkload();
        p.setProperty(CoreWorkload.INSERT_START_PROPERTY, "0");
        run.init(p);
        ModelCheckingDB runner = new ModelCheckingDB(new KvkitRemoteDB());
        runner.setProperties(p);
        runner.init();
        runner.startFrom(loader);
        Object runState = run.initThread(p, 0, 1);
        for (int i = 0; i < OPERATIONS; i++) {
            run.doTransaction(runner, runState);
        }
        runner.cleanup();

        assertThat(runner.mismatches).as("answers that differ from the model").isEmpty();
        boolean ordered = !engine.equals("hash");
        runner.statusCounts.forEach((opStatus, n) -> {
            if (opStatus.startsWith("SCAN=") && !ordered) {
                assertThat(opStatus).isEqualTo("SCAN=NOT_IMPLEMENTED");
            } else {
                assertThat(opStatus).as("status of %d operations", n.get()).endsWith("=OK");
            }
        });
        assertThat(runner.statusCounts.values().stream().mapToLong(AtomicLong::get).sum()).isGreaterThanOrEqualTo(OPERATIONS);
        if (workload.equals("workloade")) {
            assertThat(runner.scanStatuses).isNotEmpty();
            if (!ordered) {
                Status s = runner.scanStatuses.get(0);
                assertThat(s.getDescription()).contains("hash", "cannot scan");
            }
        }
        assertThat(cluster.engineOf("ycsb_" + engine)).isEqualTo(engine);
    }
}
