package io.kvkit.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * Pages through a whole range, keeping each partition's position and read-ahead between pages,
 * so that a long scan asks every partition only for what it needs (the stateless
 * {@link KvTable#scan} asks all Q partitions again for every page). After a failed page the
 * cursor falls back to the stateless continuation after the last key it returned, so nothing is
 * skipped or repeated. Not thread-safe; one page at a time.
 */
public final class ScanCursor implements Iterable<KvEntry> {
    private final KvTable table;
    private ScanRange rest;
    private ScanMerge merge;
    private boolean done;

    ScanCursor(KvTable table, ScanRange range) {
        this.table = table;
        this.rest = range;
    }

    /** Whether a next page may hold entries. */
    public boolean hasMore() {
        return !done;
    }

    /** The next page (empty once the range is exhausted). */
    public List<KvEntry> nextPage() {
        return KvClient.await(nextPageAsync());
    }

    public CompletableFuture<List<KvEntry>> nextPageAsync() {
        if (done) {
            return CompletableFuture.completedFuture(List.of());
        }
        long deadlineNanos = table.deadlineNanos();
        CompletableFuture<ScanPage> page;
        if (merge != null) {
            page = merge.nextPage(deadlineNanos);
        } else {
            page = table.scanAsync(rest, (t, limits) -> {
                merge = new ScanMerge(table, rest, t.partitionCount(), limits.maxScanLimit());
                return merge.nextPage(deadlineNanos);
            });
        }
        return page.handle((p, e) -> {
            if (e != null) {
                merge = null; // its buffers may have lost entries to the failed page: restart from the last key returned
                throw KvTable.asKv(PartitionCall.unwrap(e));
            }
            if (!p.entries().isEmpty()) {
                rest = rest.after(p.entries().getLast().key());
            }
            done = !p.hasMore();
            return p.entries();
        });
    }

    /** Every remaining entry, page by page (blocking; a failure is thrown from {@code next()}). */
    @Override
    public Iterator<KvEntry> iterator() {
        return new Iterator<>() {
            private Iterator<KvEntry> current = List.<KvEntry>of().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && !done) {
                    current = nextPage().iterator();
                }
                return current.hasNext();
            }

            @Override
            public KvEntry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the scan is exhausted");
                }
                return current.next();
            }
        };
    }
}
