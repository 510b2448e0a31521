package io.kvkit.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.kvkit.bench.report.ProcessMemory;
import io.kvkit.bench.report.StoreResult;
import io.kvkit.bench.report.WorkloadResult;
import io.kvkit.bench.store.StoreCatalog;
import io.kvkit.bench.store.StoreKind;
import io.kvkit.bench.workload.Workload;
import io.kvkit.bench.workload.WorkloadRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The child JVM of {@link EngineBench}: runs the workloads against one store and writes its
 * {@link StoreResult} as JSON. Started by the parent with the flags of {@link ChildJvm}; not meant
 * to be run by hand (though it can be, to debug one store).
 */
@Command(name = "engine-bench-child", mixinStandardHelpOptions = true, description = "Runs the workloads on one store in this JVM.")
public final class EngineBenchChild implements Callable<Integer> {
    @Option(names = "--store", required = true)
    String store;
    @Option(names = "--workloads", required = true, split = ",")
    List<String> workloads;
    @Option(names = "--n", required = true)
    int n;
    @Option(names = "--key-bytes", required = true)
    int keyBytes;
    @Option(names = "--value-bytes", required = true)
    int valueBytes;
    @Option(names = "--seed", required = true)
    long seed;
    @Option(names = "--store-dir", required = true)
    Path storeDir;
    @Option(names = "--histogram-dir")
    Path histogramDir;
    @Option(names = "--max-seconds-per-workload", defaultValue = "0")
    double maxSecondsPerWorkload;
    @Option(names = "--result", required = true)
    Path resultFile;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EngineBenchChild()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        StoreKind kind = StoreCatalog.discover().get(store);
        List<Workload> list = workloads.stream().map(Workload::byId).toList();
        long t0 = System.nanoTime();
        List<WorkloadResult> results = new ArrayList<>();
        Long diskAfterClose;
        try (WorkloadRunner runner = new WorkloadRunner(kind, storeDir, histogramDir, n, keyBytes, valueBytes, seed,
                maxSecondsPerWorkload, line -> System.err.println(line))) {
            for (Workload w : list) {
                results.add(runner.run(w));
            }
            long d = runner.closeAndMeasure();
            diskAfterClose = d < 0 ? null : d;
        }
        StoreResult r = new StoreResult(kind.name(), kind.family(), kind.version(), kind.durable(), kind.durability(),
                kind.settings(keyBytes, valueBytes, n), ManagementFactory.getRuntimeMXBean().getInputArguments(), StoreResult.OK, null,
                (System.nanoTime() - t0) / 1e9, ProcessMemory.peakRssBytes(), diskAfterClose, results);
        Files.createDirectories(resultFile.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(resultFile.toFile(), r);
        return 0;
    }
}
