package io.kvkit.server.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Requests a node has answered, per operation and table: a count per status code
 * ({@code kvkit_requests_total{op,table,code}}) and a latency histogram
 * ({@code kvkit_request_duration_seconds{op,table}}) over fixed buckets from 100 µs to 10 s.
 *
 * <p>{@link #record} is lock-free and allocation-free once a series exists: a map lookup and a few
 * {@link LongAdder} increments, safe from any number of threads at once, also while
 * {@link #writeTo} reads. A scrape is not one atomic snapshot: a request recorded during it may
 * show in its count and not yet in its histogram, and the next scrape has both.
 *
 * <p>Tables are named by clients, so the number of series is bounded: past
 * {@link #MAX_SERIES} (operation, table) pairs, further tables are counted under table
 * {@value #OVERFLOW_TABLE}; past {@link #MAX_CODES_PER_SERIES} codes in a series, further codes
 * under {@value #OVERFLOW_CODE}.
 */
public final class RequestMetrics {
    public static final int MAX_SERIES = 1024;
    public static final int MAX_CODES_PER_SERIES = 32;
    public static final String OVERFLOW_TABLE = "_other";
    public static final String OVERFLOW_CODE = "_other";

    /** Bucket upper bounds in nanoseconds: 100 µs .. 10 s, 1-2.5-5 per decade. */
    private static final long[] BOUNDS_NANOS = {
            100_000L, 250_000L, 500_000L,
            1_000_000L, 2_500_000L, 5_000_000L,
            10_000_000L, 25_000_000L, 50_000_000L,
            100_000_000L, 250_000_000L, 500_000_000L,
            1_000_000_000L, 2_500_000_000L, 5_000_000_000L,
            10_000_000_000L};
    private static final double[] BOUNDS_SECONDS = new double[BOUNDS_NANOS.length];

    static {
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            BOUNDS_SECONDS[i] = BOUNDS_NANOS[i] / 1e9;
        }
    }

    private static final class Series {
        final String op;
        final String table;
        final ConcurrentHashMap<String, LongAdder> byCode = new ConcurrentHashMap<>();
        final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
        final LongAdder sumNanos = new LongAdder();

        Series(String op, String table) {
            this.op = op;
            this.table = table;
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        LongAdder code(String code) {
            LongAdder a = byCode.get(code);
            if (a != null) {
                return a;
            }
            if (byCode.size() >= MAX_CODES_PER_SERIES) {
                code = OVERFLOW_CODE;
            }
            return byCode.computeIfAbsent(code, c -> new LongAdder());
        }
    }

    /** op → table → series. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Series>> series = new ConcurrentHashMap<>();
    private final AtomicInteger seriesCount = new AtomicInteger();

    /**
     * Counts one answered request.
     *
     * @param op         the operation, e.g. {@code "get"}, {@code "put"}
     * @param table      the table it addressed
     * @param statusCode the status it was answered with, e.g. {@code "OK"}, {@code "NOT_LEADER"}
     * @param nanos      how long it took, from {@link System#nanoTime()} differences; not negative
     */
    public void record(String op, String table, String statusCode, long nanos) {
        Objects.requireNonNull(statusCode, "statusCode");
        if (nanos < 0) {
            throw new IllegalArgumentException("a request cannot take a negative time: " + nanos + " ns");
        }
        Series s = series(op, table);
        s.code(statusCode).increment();
        s.buckets[bucketOf(nanos)].increment();
        s.sumNanos.add(nanos);
    }

    /** Writes {@code kvkit_requests_total} and {@code kvkit_request_duration_seconds}. */
    public void writeTo(MetricsWriter w) {
        List<Series> all = new ArrayList<>();
        series.values().forEach(m -> all.addAll(m.values()));
        all.sort((a, b) -> a.op.equals(b.op) ? a.table.compareTo(b.table) : a.op.compareTo(b.op));
        for (Series s : all) {
            s.byCode.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    w.counter("kvkit_requests_total", "Requests answered, by operation, table and status code.",
                            Map.of("op", s.op, "table", s.table, "code", e.getKey()), e.getValue().sum()));
        }
        for (Series s : all) {
            long[] counts = new long[s.buckets.length];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = s.buckets[i].sum();
            }
            w.histogram("kvkit_request_duration_seconds", "Time from receiving a request to answering it.",
                    Map.of("op", s.op, "table", s.table), new HistogramSnapshot(BOUNDS_SECONDS, counts, s.sumNanos.sum() / 1e9));
        }
    }

    /** The bucket upper bounds, in seconds. */
    public static double[] bucketBoundsSeconds() {
        return BOUNDS_SECONDS.clone();
    }

    static int bucketOf(long nanos) {
        int lo = 0;
        int hi = BOUNDS_NANOS.length; // the +Inf bucket
        while (lo < hi) { // first bound >= nanos
            int mid = (lo + hi) >>> 1;
            if (BOUNDS_NANOS[mid] >= nanos) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private Series series(String op, String table) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(table, "table");
        ConcurrentHashMap<String, Series> byTable = series.get(op);
        if (byTable != null) {
            Series s = byTable.get(table);
            if (s != null) {
                return s;
            }
        }
        byTable = series.computeIfAbsent(op, o -> new ConcurrentHashMap<>());
        Series s = byTable.get(table);
        if (s != null) {
            return s;
        }
        if (seriesCount.get() >= MAX_SERIES) {
            table = OVERFLOW_TABLE;
        }
        String t = table;
        return byTable.computeIfAbsent(t, x -> {
            seriesCount.incrementAndGet();
            return new Series(op, t);
        });
    }
}
