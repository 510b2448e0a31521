package io.kvkit.ycsb;

import io.kvkit.client.CasResult;
import io.kvkit.client.KvClient;
import io.kvkit.client.KvEntry;
import io.kvkit.client.KvException;
import io.kvkit.client.KvStatus;
import io.kvkit.client.KvTable;
import io.kvkit.client.ScanPage;
import io.kvkit.client.ScanRange;
import io.kvkit.client.TableDescriptor;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A table of a kvkit cluster as a {@link RecordStore}, through one {@link KvClient} that every
 * YCSB client thread of the JVM shares (the client is thread-safe and pipelines their requests).
 *
 * <ul>
 *   <li><b>Partial updates</b> are a compare-and-set loop, not a lock: other processes may write
 *       the same key. Read the record, merge the changed fields, compare-and-set against the
 *       value read; if another writer got in between, the answer carries the newer value and the
 *       merge is redone on it, up to {@code updateAttempts} times. Every compare-and-set is
 *       applied exactly once by the cluster (the client's sessions), so a retried request never
 *       writes a stale merge.</li>
 *   <li><b>Scans</b> use the client's ordered scan, merged across partitions, continued page by
 *       page when the limit is above the server's max_scan_limit. Each partition is read at its
 *       own moment: a scan is not a snapshot. A table whose engine keeps no order (hash) answers
 *       UNSUPPORTED; the server's message is kept and later scans fail with it at once.</li>
 *   <li><b>Failures</b> become {@link RecordStoreException}s by the client's status: TIMEOUT,
 *       UNAVAILABLE, NOT_LEADER and WRONG_EPOCH (what remains after the client's retries ran out:
 *       the cluster could not serve in time) are UNAVAILABLE; UNSUPPORTED is UNSUPPORTED;
 *       INVALID_ARGUMENT is REFUSED; the rest FAILED. Each is counted ({@link #counts()}).</li>
 * </ul>
 */
public final class ClientRecordStore implements RecordStore {
    private final KvClient client;
    private final KvTable table;
    private final int updateAttempts;
    private final String description;
    private final ClientFailureCounts counts = new ClientFailureCounts();
    /** The server's reason why this table cannot scan, once a scan was refused. */
    private volatile String scanRefusal;

    /**
     * Takes ownership of {@code client}: {@link #close} closes it.
     *
     * @param table          the table view to use (its consistency and deadline apply to every call)
     * @param updateAttempts compare-and-set attempts of one partial update, at least 1
     */
    public ClientRecordStore(KvClient client, KvTable table, int updateAttempts, String description) {
        if (updateAttempts < 1) {
            throw new IllegalArgumentException("updateAttempts must be >= 1, got " + updateAttempts);
        }
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
        this.updateAttempts = updateAttempts;
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * Connects to the cluster the options name, makes sure the table is there (creating it if the
     * options say so), and returns the store.
     *
     * @throws IllegalArgumentException if the table is missing, or exists on another engine or with other options
     * @throws KvException              if the cluster cannot be reached or refuses (the message says which)
     */
    public static ClientRecordStore open(KvkitRemoteOptions o) {
        Duration deadline = Duration.ofMillis(o.timeoutMillis());
        KvClient client = KvClient.builder()
                .seeds(o.endpoints().toArray(String[]::new))
                .defaultDeadline(deadline)
                .connectTimeout(deadline.compareTo(Duration.ofSeconds(2)) < 0 ? deadline : Duration.ofSeconds(2))
                .poolSizePerNode(o.connectionsPerNode())
                .defaultConsistency(o.consistency())
                .clientName("kvkit-ycsb/0.1.0")
                .build();
        try {
            TableDescriptor t = prepareTable(client, o);
            String description = "kvkit cluster at " + String.join(",", o.endpoints()) + ", table '" + t.name() + "' on " + t.engine()
                    + ", " + o.consistency().name().toLowerCase(java.util.Locale.ROOT) + " reads";
            return new ClientRecordStore(client, client.table(o.table()), o.updateAttempts(), description);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Creates the table if asked to, then checks that it exists and runs on the engine asked for. */
    private static TableDescriptor prepareTable(KvClient client, KvkitRemoteOptions o) {
        if (o.createTable()) {
            try {
                client.createTable(o.table(), o.engineToCreate(), o.engineOptions());
            } catch (KvException e) {
                if (e.status() == KvStatus.ALREADY_EXISTS) {
                    throw new IllegalArgumentException("table '" + o.table() + "' exists with another engine or other options than "
                            + KvkitRemoteOptions.ENGINE + "=" + o.engineToCreate() + " " + o.engineOptions() + ": " + e.getMessage(), e);
                }
                throw e;
            }
        }
        TableDescriptor found = client.listTables().stream().filter(t -> t.name().equals(o.table())).findFirst().orElseThrow(() ->
                new IllegalArgumentException("table '" + o.table() + "' does not exist on the cluster at " + String.join(",", o.endpoints())
                        + "; create it, or set " + KvkitRemoteOptions.CREATE_TABLE + "=true (with " + KvkitRemoteOptions.ENGINE
                        + "=lsm|hash|bplustree)"));
        if (o.engine() != null && !o.engine().equals(found.engine())) {
            throw new IllegalArgumentException("table '" + o.table() + "' uses engine " + found.engine() + ", not "
                    + KvkitRemoteOptions.ENGINE + "=" + o.engine() + " (results would be labelled with the wrong engine);"
                    + " drop the property, or use another " + KvkitRemoteOptions.TABLE);
        }
        return found;
    }

    /** What went wrong so far, by client status, and how often updates lost their race. */
    public ClientFailureCounts counts() {
        return counts;
    }

    /** The client underneath (for tests and tools; shared by every thread using this store). */
    public KvClient client() {
        return client;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public byte[] get(byte[] key) {
        return call("read", () -> table.get(key));
    }

    @Override
    public void put(byte[] key, byte[] value) {
        call("insert", () -> {
            table.put(key, value);
            return null;
        });
    }

    @Override
    public void delete(byte[] key) {
        call("delete", () -> table.delete(key));
    }

    @Override
    public boolean update(byte[] key, UnaryOperator<byte[]> change) {
        byte[] current = call("update's read", () -> table.get(key));
        for (int attempt = 1; ; attempt++) {
            if (current == null) {
                return false; // absent, or deleted by another writer since our read
            }
            byte[] expected = current;
            byte[] next = change.apply(expected);
            CasResult r = call("update's compare-and-set", () -> table.compareAndSet(key, expected, next));
            if (r.succeeded()) {
                return true;
            }
            counts.updateConflict();
            if (attempt == updateAttempts) {
                counts.updateAbandoned();
                throw new RecordStoreException(RecordStoreException.Kind.FAILED, "the record changed between read and compare-and-set on each of "
                        + updateAttempts + " attempts (other writers of the same key); raise " + KvkitRemoteOptions.UPDATE_ATTEMPTS, null);
            }
            current = r.currentValue(); // the value that beat us: merge onto it without another read
        }
    }

    @Override
    public void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink) {
        if (limit <= 0) {
            return;
        }
        String refused = scanRefusal;
        if (refused != null) {
            throw new RecordStoreException(RecordStoreException.Kind.UNSUPPORTED, refused, null);
        }
        int maxPage = client.limits().maxScanLimit();
        ScanRange range = ScanRange.of(startKey, endKey, Math.min(limit, maxPage));
        int left = limit;
        while (left > 0) {
            ScanRange asked = range.withLimit(Math.min(left, maxPage));
            ScanPage page;
            try {
                page = call("scan", () -> table.scan(asked));
            } catch (RecordStoreException e) {
                if (e.kind() == RecordStoreException.Kind.UNSUPPORTED) {
                    scanRefusal = e.getMessage(); // the table's engine does not change under a run: don't ask every partition again
                }
                throw e;
            }
            for (KvEntry e : page.entries()) {
                sink.accept(e.key(), e.value());
            }
            left -= page.entries().size();
            if (!page.hasMore()) {
                return;
            }
            range = page.next();
        }
    }

    @Override
    public Optional<String> scanUnsupportedReason() {
        return Optional.ofNullable(scanRefusal); // the server says, on the first scan
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            System.err.println("kvkit ycsb binding: closed the client of " + description + ": " + counts.summary());
        }
    }

    /** Runs one client call, turning its failure into a classified, counted {@link RecordStoreException}. */
    private <T> T call(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (KvException e) {
            counts.failure(e.status());
            throw new RecordStoreException(kindOf(e.status()), what + ": " + e.getMessage(), e);
        }
    }

    /** How a client status after the client's own retries maps onto the binding's failure kinds. */
    static RecordStoreException.Kind kindOf(KvStatus status) {
        return switch (status) {
            // retried by the client until its deadline or attempts ran out: the cluster could not serve in time
            case TIMEOUT, UNAVAILABLE, NOT_LEADER, WRONG_EPOCH -> RecordStoreException.Kind.UNAVAILABLE;
            case UNSUPPORTED -> RecordStoreException.Kind.UNSUPPORTED;
            case INVALID_ARGUMENT -> RecordStoreException.Kind.REFUSED;
            case OK, NOT_FOUND, SESSION_EXPIRED, INTERNAL, ALREADY_EXISTS -> RecordStoreException.Kind.FAILED;
        };
    }
}
