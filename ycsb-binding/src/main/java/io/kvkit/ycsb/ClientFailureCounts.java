package io.kvkit.ycsb;

import io.kvkit.client.KvStatus;

import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link ClientRecordStore} saw go wrong, by the client's own status, which is finer than
 * YCSB's (a TIMEOUT and an UNAVAILABLE are both YCSB's SERVICE_UNAVAILABLE), and how often a
 * partial update lost its compare-and-set race. Updated by every client thread; read at any time.
 */
public final class ClientFailureCounts {
    private final Map<KvStatus, LongAdder> failures = new EnumMap<>(KvStatus.class);
    private final LongAdder updateConflicts = new LongAdder();
    private final LongAdder updatesAbandoned = new LongAdder();

    ClientFailureCounts() {
        for (KvStatus s : KvStatus.values()) {
            failures.put(s, new LongAdder()); // filled once: the map is only read afterwards, so no lock is needed
        }
    }

    void failure(KvStatus status) {
        failures.get(status).increment();
    }

    void updateConflict() {
        updateConflicts.increment();
    }

    void updateAbandoned() {
        updatesAbandoned.increment();
    }

    /** Client calls that failed with {@code status} (after the client's own retries). */
    public long failures(KvStatus status) {
        return failures.get(status).sum();
    }

    /** Client calls that failed, whatever the status. */
    public long failures() {
        return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Compare-and-sets of a partial update that found the record changed since it was read, and were retried on the newer record. */
    public long updateConflicts() {
        return updateConflicts.sum();
    }

    /** Partial updates that lost the race on every one of their attempts and failed. */
    public long updatesAbandoned() {
        return updatesAbandoned.sum();
    }

    /** One line: failures by status (only those seen), conflicts, abandoned updates. */
    public String summary() {
        StringJoiner byStatus = new StringJoiner(", ", "{", "}");
        failures.forEach((s, n) -> {
            if (n.sum() > 0) {
                byStatus.add(s + "=" + n.sum());
            }
        });
        return "failed client calls " + failures() + " " + byStatus + "; update compare-and-set conflicts " + updateConflicts()
                + " (retried), updates abandoned " + updatesAbandoned();
    }
}
