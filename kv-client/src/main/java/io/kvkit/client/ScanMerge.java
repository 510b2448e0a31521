package io.kvkit.client;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanRequest;
import io.kvkit.client.proto.ScanResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One page of an ordered scan over every partition. Keys are spread over partitions by hash, so
 * each partition holds an ordered slice of any range and the page is a k-way merge of the
 * partitions' ordered streams: every partition is scanned from the range's start with a small
 * per-partition limit (about twice its expected share of the page), the smallest head is taken
 * until the page is full, and a partition whose buffer runs dry while it has more is fetched
 * again from after its last key before the merge goes on. Every fetch is a {@link PartitionCall}
 * (leader or replica, by the read consistency), in parallel across partitions.
 *
 * <p>Each partition is read at its own moment: a page is not a snapshot across partitions.
 */
final class ScanMerge {
    /** One partition's ordered stream: what was fetched and not yet merged, and where to go on. */
    private static final class Stream {
        final int partition;
        final ArrayDeque<KvEntry> buffer = new ArrayDeque<>();
        ScanRange rest;
        boolean exhausted;
        byte[] lastFetched;

        Stream(int partition, ScanRange range) {
            this.partition = partition;
            this.rest = range;
        }
    }

    private final KvTable table;
    private final ScanRange range;
    private final int partitionLimit;
    private final List<Stream> streams = new ArrayList<>();
    // the page being built; a merge builds one page at a time
    private List<KvEntry> page;
    private CompletableFuture<ScanPage> result;
    private long deadlineNanos;

    ScanMerge(KvTable table, ScanRange range, int partitionCount, int maxScanLimit) {
        this.table = table;
        this.range = range;
        long share = (range.limit() + (long) partitionCount - 1) / partitionCount;
        this.partitionLimit = (int) Math.min(Math.min(range.limit(), maxScanLimit), 2 * share + 4);
        for (int p = 0; p < partitionCount; p++) {
            streams.add(new Stream(p, range));
        }
    }

    /** One page of {@code range}. */
    static CompletableFuture<ScanPage> run(KvTable table, ScanRange range, Topology topology, int maxScanLimit, long deadlineNanos) {
        return new ScanMerge(table, range, topology.partitionCount(), maxScanLimit).nextPage(deadlineNanos);
    }

    /**
     * The next page, going on from the partitions' buffers and positions left by the previous
     * one (so a cursor refetches nothing). One page at a time.
     */
    CompletableFuture<ScanPage> nextPage(long deadlineNanos) {
        if (result != null && !result.isDone()) {
            throw new IllegalStateException("a scan page is already being fetched; ask for the next one when it is done");
        }
        this.deadlineNanos = deadlineNanos;
        page = new ArrayList<>();
        result = new CompletableFuture<>();
        step();
        return result;
    }

    /** Fetches every stream that needs it, then merges as far as the buffers allow. */
    private void step() {
        List<CompletableFuture<Void>> fetches = new ArrayList<>();
        for (Stream s : streams) {
            if (s.buffer.isEmpty() && !s.exhausted) {
                fetches.add(fetch(s));
            }
        }
        if (!fetches.isEmpty()) {
            CompletableFuture.allOf(fetches.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(PartitionCall.unwrap(e));
                } else {
                    step();
                }
            });
            return;
        }
        while (page.size() < range.limit()) {
            Stream best = null;
            for (Stream s : streams) {
                if (!s.buffer.isEmpty() && (best == null || before(s.buffer.peek().key(), best.buffer.peek().key()))) {
                    best = s;
                }
            }
            if (best == null) {
                result.complete(new ScanPage(page, null)); // every partition exhausted
                return;
            }
            page.add(best.buffer.poll());
            if (best.buffer.isEmpty() && !best.exhausted) {
                step(); // its next key may come before the other heads
                return;
            }
        }
        boolean more = streams.stream().anyMatch(s -> !s.buffer.isEmpty() || !s.exhausted);
        result.complete(new ScanPage(page, more ? range.after(page.getLast().key()) : null));
    }

    private boolean before(byte[] a, byte[] b) {
        int c = Arrays.compareUnsigned(a, b);
        return range.reverse() ? c > 0 : c < 0;
    }

    private CompletableFuture<Void> fetch(Stream s) {
        ScanRequest.Builder scan = ScanRequest.newBuilder()
                .setPartitionId(s.partition)
                .setLimit(partitionLimit)
                .setReverse(range.reverse())
                .setKeysOnly(range.keysOnly());
        if (s.rest.start() != null) {
            scan.setStart(ByteString.copyFrom(s.rest.start()));
        }
        if (s.rest.end() != null) {
            scan.setEnd(ByteString.copyFrom(s.rest.end()));
        }
        return table.read(s.partition, Request.newBuilder().setScan(scan), deadlineNanos).thenAccept(r -> {
            accept(s, KvTable.expect(r, Response.BodyCase.SCAN).getScan());
        });
    }

    /** Checks the partition's answer (ordered, inside the asked range, progressing) and buffers it. */
    private void accept(Stream s, ScanResponse r) {
        if (r.getEntriesCount() > partitionLimit) {
            throw new KvProtocolException("partition " + s.partition + " returned " + r.getEntriesCount()
                    + " entries for a scan limit of " + partitionLimit);
        }
        for (KeyValue kv : r.getEntriesList()) {
            byte[] key = kv.getKey().toByteArray();
            if (!s.rest.contains(key) || (s.lastFetched != null && !before(s.lastFetched, key))) {
                throw new KvProtocolException("partition " + s.partition
                        + " returned a scan entry out of order or outside the asked range");
            }
            s.lastFetched = key;
            s.buffer.add(new KvEntry(key, kv.getValue().toByteArray()));
        }
        if (r.getEntriesCount() == 0 && r.getMore()) {
            throw new KvProtocolException("partition " + s.partition + " returned no scan entries but said there are more");
        }
        s.exhausted = !r.getMore();
        if (s.lastFetched != null) {
            s.rest = s.rest.after(s.lastFetched);
        }
    }
}
