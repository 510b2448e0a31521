package io.kvkit.ycsb;

import io.kvkit.engine.api.EngineCapabilities;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.model.ModelEngineProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.measurements.Measurements;
import site.ycsb.workloads.CoreWorkload;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every core workload at a tiny size (200 records, 200 operations) against every kvkit engine on
 * the class path, driven the way YCSB's client thread drives a binding: load, close, reopen,
 * run. Every answer is checked against a model of the table ({@link ModelCheckingDB}).
 */
class CoreWorkloadsOnEveryEngineTest {
    static final int RECORDS = 200;
    static final int OPERATIONS = 200;

    static List<String> engines() {
        List<String> names = new ArrayList<>(StorageEngines.names());
        names.remove(ModelEngineProvider.NAME);
        return names;
    }

    static Stream<Arguments> engineAndWorkload() {
        List<String> engines = engines();
        assertThat(engines).as("engines on the test class path").contains("lsm", "hash", "bplustree");
        return engines.stream().flatMap(e -> CoreWorkloads.NAMES.stream().map(w -> Arguments.of(e, w)));
    }

    static Properties properties(String engine, String workload, Path dir) {
        Properties p = CoreWorkloads.properties(workload);
        p.setProperty("recordcount", String.valueOf(RECORDS));
        p.setProperty("operationcount", String.valueOf(OPERATIONS));
        p.setProperty("fieldlength", "20");
        p.setProperty(KvkitBindingOptions.ENGINE, engine);
        p.setProperty(KvkitBindingOptions.PATH, dir.toString());
        return p;
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("engineAndWorkload")
    void workloadRunsAndEveryAnswerMatchesTheModel(String engine, String workload, @TempDir Path dir) throws Exception {
        Properties p = properties(engine, workload, dir);
        Measurements.setProperties(p);

        // load phase in one "process", run phase in another over the same directory, as YCSB does
        CoreWorkload load = new CoreWorkload();
        load.init(p);
        KvkitEmbeddedDB loader = new KvkitEmbeddedDB();
        ModelCheckingDB db = new ModelCheckingDB(loader);
        db.setProperties(p);
        db.init();
        Object loadState = load.initThread(p, 0, 1);
        for (int i = 0; i < RECORDS; i++) {
            assertThat(load.doInsert(db, loadState)).as("insert %d", i).isTrue();
        }
        db.cleanup();
        assertThat(db.count("INSERT=OK")).isEqualTo(RECORDS);

        CoreWorkload run = new CoreWorkload();
        p.setProperty(CoreWorkload.INSERT_START_PROPERTY, "0");
        run.init(p);
        ModelCheckingDB runDb = new ModelCheckingDB(new KvkitEmbeddedDB());
        runDb.setProperties(p);
        runDb.init();
        // the run's model starts from what the load wrote: replay the load's model into it
        db.statusCounts.clear();
        runDb.startFrom(db);
        Object runState = run.initThread(p, 0, 1);
        for (int i = 0; i < OPERATIONS; i++) {
            run.doTransaction(runDb, runState);
        }
        runDb.cleanup();

        assertThat(runDb.mismatches).as("answers that differ from the model").isEmpty();
        boolean ordered = StorageEngines.provider(engine).capabilities().orderedScan();
        runDb.statusCounts.forEach((opStatus, n) -> {
            if (opStatus.startsWith("SCAN=") && !ordered) {
                assertThat(opStatus).isEqualTo("SCAN=NOT_IMPLEMENTED");
            } else {
                assertThat(opStatus).as("status of %d operations", n.get()).endsWith("=OK");
            }
        });
        long done = runDb.statusCounts.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
        // read-modify-write counts as a read and an update
        assertThat(done).isGreaterThanOrEqualTo(OPERATIONS);
        if (workload.equals("workloade")) {
            assertThat(runDb.scanStatuses).isNotEmpty();
            if (!ordered) {
                Status s = runDb.scanStatuses.get(0);
                assertThat(s.getName()).isEqualTo("NOT_IMPLEMENTED");
                List<String> orderedEngines = StorageEngines.namesWith(EngineCapabilities::orderedScan);
                assertThat(orderedEngines).contains("lsm", "bplustree");
                assertThat(s.getDescription()).contains("'" + engine + "'").contains(orderedEngines);
            }
        }
    }

    @Test
    void unknownEngineIsAClearError(@TempDir Path dir) {
        Properties p = properties("nosuch", "workloada", dir);
        KvkitEmbeddedDB db = new KvkitEmbeddedDB();
        db.setProperties(p);
        assertThatThrownBy(db::init).isInstanceOf(DBException.class)
                .hasMessageContaining("no storage engine named 'nosuch'").hasMessageContaining("lsm");
    }

    @Test
    void missingPathIsAClearError() {
        Properties p = new Properties();
        p.setProperty(KvkitBindingOptions.ENGINE, "lsm");
        KvkitEmbeddedDB db = new KvkitEmbeddedDB();
        db.setProperties(p);
        assertThatThrownBy(db::init).isInstanceOf(DBException.class).hasMessageContaining("kvkit.path is not set");
    }

    @Test
    void badBooleanAndStripesAreClearErrors(@TempDir Path dir) {
        Properties p = properties("lsm", "workloada", dir);
        p.setProperty(KvkitBindingOptions.SYNC, "yes");
        assertThatThrownBy(() -> KvkitBindingOptions.from(p)).hasMessageContaining("kvkit.sync='yes' is not a boolean");
        p.setProperty(KvkitBindingOptions.SYNC, "true");
        p.setProperty(KvkitBindingOptions.LOCK_STRIPES, "1000");
        assertThatThrownBy(() -> KvkitBindingOptions.from(p)).hasMessageContaining("not a power of two");
    }

    @Test
    void workloadNamesAreCheckedAndLettersAccepted() {
        assertThat(CoreWorkloads.canonicalName("E")).isEqualTo("workloade");
        assertThatThrownBy(() -> CoreWorkloads.canonicalName("workloadz")).hasMessageContaining("workloada, workloadb");
        assertThat(CoreWorkloads.properties("workloadf").getProperty("readmodifywriteproportion")).isEqualTo("0.5");
    }
}
