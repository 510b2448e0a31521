package io.kvkit.bench.workload;

import io.kvkit.bench.report.CpuAccounting;
import io.kvkit.bench.report.DirectorySize;
import io.kvkit.bench.report.LatencySummary;
import io.kvkit.bench.report.ProcessMemory;
import io.kvkit.bench.report.WorkloadResult;
import io.kvkit.bench.store.BenchStore;
import io.kvkit.bench.store.StoreKind;
import io.kvkit.bench.store.StoreOptions;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs workloads, one after another, against one store in this JVM, and measures them.
 *
 * <p>Fill workloads start from an empty directory; a workload that needs every key present gets
 * them loaded untimed first when the previous workload left the store otherwise (the result says
 * {@code preloaded}). Every operation's latency goes into an HdrHistogram (two nanoTime reads
 * and one record per op, included in the figures); throughput is operations over the wall time of
 * the timed loop, which for writes ends after {@link BenchStore#finishWrites}.
 */
public final class WorkloadRunner implements AutoCloseable {
    private final StoreKind kind;
    private final Path storeDir;
    private final Path histogramDir;
    private final int n;
    private final KeyFormat keys;
    private final ValueSource values;
    private final long seed;
    private final Consumer<String> progress;

    private final long capNanos;

    private BenchStore store;
    /** The key numbers the store holds now, in no particular order: reads and overwrites pick from these. */
    private final int[] live;
    private int liveCount;

    /**
     * @param storeDir     the store's directory (created and emptied as needed; removed by {@link #close})
     * @param histogramDir where the .hgrm files go (null: none written)
     */
    public WorkloadRunner(StoreKind kind, Path storeDir, Path histogramDir, int n, int keyBytes, int valueBytes, long seed,
                          Consumer<String> progress) {
        this(kind, storeDir, histogramDir, n, keyBytes, valueBytes, seed, 0, progress);
    }

    /**
     * @param maxSecondsPerWorkload stop a workload's timed loop after this long even if it has operations left (0: never);
     *                              the result then says {@code timeCapped} and later workloads use the keys actually written
     */
    public WorkloadRunner(StoreKind kind, Path storeDir, Path histogramDir, int n, int keyBytes, int valueBytes, long seed,
                          double maxSecondsPerWorkload, Consumer<String> progress) {
        if (maxSecondsPerWorkload < 0) {
            throw new IllegalArgumentException("the time cap per workload must be 0 (none) or positive, got " + maxSecondsPerWorkload);
        }
        this.capNanos = (long) (maxSecondsPerWorkload * 1e9);
        if (n < 1) {
            throw new IllegalArgumentException("N must be at least 1, got " + n);
        }
        this.kind = kind;
        this.storeDir = storeDir;
        this.histogramDir = histogramDir;
        this.n = n;
        this.keys = new KeyFormat(keyBytes);
        this.values = new ValueSource(valueBytes, seed);
        this.seed = seed;
        this.progress = progress;
        this.live = new int[n];
    }

    /** Runs {@code w}; failures and unsupported workloads become results, never exceptions. */
    public WorkloadResult run(Workload w) {
        if (w == Workload.SEEKRANDOM && !kind.orderedScan()) {
            return WorkloadResult.notRun(w.id(), WorkloadResult.UNSUPPORTED, kind.name() + " keeps no key order (hash table)");
        }
        if (w == Workload.FILLSYNC && !kind.syncWrites()) {
            return WorkloadResult.notRun(w.id(), WorkloadResult.UNSUPPORTED, kind.name() + " has no synced write: " + kind.durability());
        }
        boolean preloaded = false;
        try {
            if (w.freshStore()) {
                openFresh(w == Workload.FILLSYNC);
            } else if (w.needsAllKeys() && (store == null || liveCount == 0)) {
                openFresh(false);
                preload();
                preloaded = true;
            }
            System.gc(); // garbage of the previous phase should not be collected inside this one
            return measure(w, preloaded);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            abandonStore();
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.accept(w.id() + " FAILED: " + msg);
            return WorkloadResult.notRun(w.id(), WorkloadResult.ERROR, msg);
        }
    }

    private void openFresh(boolean syncEveryWrite) {
        closeStore();
        deleteTree(storeDir);
        try {
            Files.createDirectories(storeDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + storeDir, e);
        }
        liveCount = 0;
        store = kind.open(new StoreOptions(storeDir, keys.keyBytes(), values.valueBytes(), n, syncEveryWrite));
    }

    /** Loads keys 0..N-1 in order, untimed (stopping at the time cap, if any). */
    private void preload() {
        byte[] k = new byte[keys.keyBytes()];
        byte[] v = new byte[values.valueBytes()];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            keys.encode(i, k);
            values.fill(i, v);
            store.put(k, v, false);
            live[liveCount++] = i;
            if (capNanos > 0 && (i & 63) == 0 && System.nanoTime() - start > capNanos) {
                break;
            }
        }
        store.finishWrites();
    }

    private boolean capped(long start, long now) {
        return capNanos > 0 && now - start > capNanos;
    }

    private WorkloadResult measure(Workload w, boolean preloaded) {
        long ops = w.operations(n);
        int pair = keys.keyBytes() + values.valueBytes();
        Histogram h = newHistogram();
        Map<String, Object> extra = new LinkedHashMap<>();
        long seconds0;
        long seconds1;
        long bytes;
        Long found = null;
        int threads = 1;
        boolean timeCapped = false;
        CpuAccounting cpu = CpuAccounting.start();
        switch (w) {
            case FILLSEQ, FILLRANDOM, FILLSYNC -> {
                // the store is empty: key numbers in ascending order, or a seeded permutation of 0..N-1
                int[] order = w == Workload.FILLSEQ ? null : KeyOrder.permutation(n, seed + w.ordinal());
                boolean sync = w == Workload.FILLSYNC;
                byte[] k = new byte[keys.keyBytes()];
                byte[] v = new byte[values.valueBytes()];
                seconds0 = System.nanoTime();
                long prev = seconds0;
                int done = 0;
                while (done < ops) {
                    int key = order == null ? done : order[done];
                    keys.encode(key, k);
                    values.fill(done + (long) w.ordinal() * n, v);
                    store.put(k, v, sync);
                    live[liveCount++] = key;
                    done++;
                    long now = System.nanoTime();
                    h.recordValue(now - prev);
                    prev = now;
                    if (capped(seconds0, now)) {
                        break;
                    }
                }
                store.finishWrites();
                seconds1 = System.nanoTime();
                timeCapped = done < ops;
                ops = done;
                bytes = ops * pair;
            }
            case OVERWRITE -> {
                // every key present, once each, in a seeded permutation
                int[] order = KeyOrder.permutation(liveCount, seed + w.ordinal());
                ops = Math.min(ops, liveCount);
                byte[] k = new byte[keys.keyBytes()];
                byte[] v = new byte[values.valueBytes()];
                seconds0 = System.nanoTime();
                long prev = seconds0;
                int done = 0;
                while (done < ops) {
                    keys.encode(live[order[done]], k);
                    values.fill(done + (long) w.ordinal() * n, v);
                    store.put(k, v, false);
                    done++;
                    long now = System.nanoTime();
                    h.recordValue(now - prev);
                    prev = now;
                    if (capped(seconds0, now)) {
                        break;
                    }
                }
                store.finishWrites();
                seconds1 = System.nanoTime();
                timeCapped = done < ops;
                ops = done;
                bytes = ops * pair;
            }
            case DELETERANDOM -> {
                int[] order = KeyOrder.permutation(liveCount, seed + w.ordinal());
                ops = Math.min(ops, liveCount);
                byte[] k = new byte[keys.keyBytes()];
                seconds0 = System.nanoTime();
                long prev = seconds0;
                int done = 0;
                while (done < ops) {
                    keys.encode(live[order[done]], k);
                    store.delete(k);
                    done++;
                    long now = System.nanoTime();
                    h.recordValue(now - prev);
                    prev = now;
                    if (capped(seconds0, now)) {
                        break;
                    }
                }
                store.finishWrites();
                seconds1 = System.nanoTime();
                timeCapped = done < ops;
                ops = done;
                bytes = ops * keys.keyBytes();
                // what is left: the keys after the deleted prefix of the permutation
                int[] remaining = new int[liveCount - done];
                for (int i = done; i < liveCount; i++) {
                    remaining[i - done] = live[order[i]];
                }
                System.arraycopy(remaining, 0, live, 0, remaining.length);
                liveCount = remaining.length;
            }
            case READRANDOM, READMISSING, READRANDOM2 -> {
                threads = w == Workload.READRANDOM2 ? Workload.READRANDOM2_THREADS : 1;
                boolean missing = w == Workload.READMISSING;
                ReadTally[] tallies = new ReadTally[threads];
                for (int t = 0; t < threads; t++) {
                    long share = ops / threads + (t < ops % threads ? 1 : 0);
                    tallies[t] = new ReadTally(share, new SplittableRandom(seed * 31 + w.ordinal() * 7L + t), missing);
                }
                long[] span = runThreads(tallies, null);
                seconds0 = span[0];
                seconds1 = span[1];
                long f = 0;
                long wrong = 0;
                long done = 0;
                for (ReadTally t : tallies) {
                    h.add(t.histogram);
                    f += t.found;
                    wrong += t.wrongLength;
                    done += t.done;
                }
                timeCapped = done < ops;
                ops = done;
                found = f;
                bytes = f * pair;
                checkReads(w, ops, f, wrong);
            }
            case SEEKRANDOM -> {
                SplittableRandom r = new SplittableRandom(seed * 31 + w.ordinal());
                byte[] k = new byte[keys.keyBytes()];
                long entries = 0;
                seconds0 = System.nanoTime();
                long prev = seconds0;
                long done = 0;
                while (done < ops) {
                    keys.encode(live[r.nextInt(liveCount)], k);
                    entries += store.seekAndRead(k, Workload.SEEK_NEXTS + 1);
                    done++;
                    long now = System.nanoTime();
                    h.recordValue(now - prev);
                    prev = now;
                    if (capped(seconds0, now)) {
                        break;
                    }
                }
                seconds1 = System.nanoTime();
                timeCapped = done < ops;
                ops = done;
                bytes = entries * pair;
                extra.put("entriesRead", entries);
                // seeks near the end read fewer entries; half the full count means keys or order are lost
                if (liveCount > 2 * (Workload.SEEK_NEXTS + 1) && entries < ops * (Workload.SEEK_NEXTS + 1) / 2) {
                    throw new IllegalStateException("seekrandom read only " + entries + " entries for " + ops + " seeks: the store lost keys or order");
                }
            }
            case READWHILEWRITING -> {
                ReadTally reader = new ReadTally(ops, new SplittableRandom(seed * 31 + w.ordinal()), false);
                Writer writer = new Writer(new SplittableRandom(seed * 37 + w.ordinal()));
                long[] span = runThreads(new ReadTally[] {reader}, writer);
                seconds0 = span[0];
                seconds1 = span[1];
                h.add(reader.histogram);
                timeCapped = reader.done < ops;
                ops = reader.done;
                found = reader.found;
                bytes = reader.found * pair;
                checkReads(w, ops, reader.found, reader.wrongLength);
                double s = (seconds1 - seconds0) / 1e9;
                extra.put("writerOperations", writer.ops);
                extra.put("writerOpsPerSecond", writer.ops / s);
                extra.put("writerLatency", LatencySummary.of(writer.histogram));
            }
            default -> throw new IllegalStateException("unknown workload " + w);
        }
        double secs = (seconds1 - seconds0) / 1e9;
        double otherCpu = cpu.otherProcessesShare();
        String hgrm = writeHistogram(w, h);
        long disk = DirectorySize.allocatedBytes(storeDir);
        long apparent = DirectorySize.apparentBytes(storeDir);
        WorkloadResult r = new WorkloadResult(w.id(), WorkloadResult.OK, null, ops, threads, secs, ops / secs, bytes / secs / 1e6, bytes,
                LatencySummary.of(h), found, disk, apparent, ProcessMemory.peakRssBytes(), otherCpu, preloaded, timeCapped, extra, hgrm);
        progress.accept(String.format("%-16s %,12d ops %8.2f s %,14.0f ops/s  p50 %.2f us  p99 %.2f us  others' CPU %s%s", w.id(), ops,
                secs, r.opsPerSecond(), r.latency().p50Micros(), r.latency().p99Micros(),
                otherCpu < 0 ? "?" : Math.round(otherCpu * 100) + "%", (preloaded ? "  (preloaded)" : "") + (timeCapped ? "  (time cap)" : "")));
        return r;
    }

    private void checkReads(Workload w, long ops, long found, long wrongLength) {
        if (wrongLength > 0) {
            throw new IllegalStateException(w.id() + ": " + wrongLength + " values had the wrong length (expected " + values.valueBytes() + ")");
        }
        if (w == Workload.READMISSING && found != 0) {
            throw new IllegalStateException("readmissing found " + found + " values for keys that were never written");
        }
        if (w != Workload.READMISSING && found != ops) {
            throw new IllegalStateException(w.id() + " found " + found + " of " + ops + " keys that should all be present");
        }
    }

    private static Histogram newHistogram() {
        Histogram h = new Histogram(3);
        h.setAutoResize(true);
        return h;
    }

    /** Starts the readers (and the writer, which runs until the readers are done) together; returns [start, end] nanoTime of the readers. */
    private long[] runThreads(ReadTally[] readers, Writer writer) {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean readersDone = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < readers.length; i++) {
            ReadTally t = readers[i];
            ts.add(Thread.ofPlatform().name("bench-reader-" + i).unstarted(() -> {
                try {
                    go.await();
                    t.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        Thread writerThread = null;
        if (writer != null) {
            writerThread = Thread.ofPlatform().name("bench-writer").unstarted(() -> {
                try {
                    go.await();
                    writer.run(readersDone);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            writerThread.start();
        }
        ts.forEach(Thread::start);
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : ts) {
            join(t);
        }
        long end = System.nanoTime();
        readersDone.set(true);
        if (writerThread != null) {
            join(writerThread);
        }
        if (failure.get() != null) {
            Throwable e = failure.get();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        return new long[] {start, end};
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + t.getName(), e);
        }
    }

    /** One reader thread's work and tallies. */
    private final class ReadTally {
        final long ops;
        final SplittableRandom random;
        final boolean missing;
        final Histogram histogram = newHistogram();
        long found;
        long wrongLength;
        long done;

        ReadTally(long ops, SplittableRandom random, boolean missing) {
            this.ops = ops;
            this.random = random;
            this.missing = missing;
        }

        void run() {
            byte[] k = new byte[keys.keyBytes()];
            if (missing) {
                k[k.length - 1] = 1; // sorts between key i and key i+1, never written
            }
            long start = System.nanoTime();
            long prev = start;
            while (done < ops) {
                keys.encode(live[random.nextInt(liveCount)], k);
                byte[] v = store.get(k);
                if (v != null) {
                    found++;
                    if (v.length != values.valueBytes()) {
                        wrongLength++;
                    }
                }
                done++;
                long now = System.nanoTime();
                histogram.recordValue(now - prev);
                prev = now;
                if (capped(start, now)) {
                    break;
                }
            }
        }
    }

    /** The writer of readwhilewriting: overwrites random existing keys until the readers finish. */
    private final class Writer {
        final SplittableRandom random;
        final Histogram histogram = newHistogram();
        long ops;

        Writer(SplittableRandom random) {
            this.random = random;
        }

        void run(AtomicBoolean stop) {
            byte[] k = new byte[keys.keyBytes()];
            byte[] v = new byte[values.valueBytes()];
            long prev = System.nanoTime();
            while (!stop.get()) {
                keys.encode(live[random.nextInt(liveCount)], k);
                values.fill(ops, v);
                store.put(k, v, false);
                ops++;
                long now = System.nanoTime();
                histogram.recordValue(now - prev);
                prev = now;
            }
            store.finishWrites();
        }
    }

    private String writeHistogram(Workload w, Histogram h) {
        if (histogramDir == null) {
            return null;
        }
        String name = kind.name() + "-" + w.id() + ".hgrm";
        try {
            Files.createDirectories(histogramDir);
            try (PrintStream out = new PrintStream(Files.newOutputStream(histogramDir.resolve(name)), false, "UTF-8")) {
                h.outputPercentileDistribution(out, 1000.0); // microseconds
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name, e);
        }
        return histogramDir.getFileName() + "/" + name;
    }

    /** Closes the store and measures what it leaves on disk; -1 if no store is open. */
    public long closeAndMeasure() {
        if (store == null) {
            return -1;
        }
        closeStore();
        return DirectorySize.allocatedBytes(storeDir);
    }

    private void closeStore() {
        if (store != null) {
            BenchStore s = store;
            store = null;
            s.close();
        }
    }

    private void abandonStore() {
        try {
            closeStore();
        } catch (RuntimeException e) {
            progress.accept("closing after a failure failed too: " + e);
        }
        store = null;
        liveCount = 0;
    }

    /** Closes the store (if open) and deletes its directory. */
    @Override
    public void close() {
        try {
            closeStore();
        } finally {
            deleteTree(storeDir);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
