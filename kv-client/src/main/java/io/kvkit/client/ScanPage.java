package io.kvkit.client;

import java.util.List;

/**
 * One page of a scan: entries in key order (descending for a reverse scan) merged over all
 * partitions, and the range that continues after the last entry, or null when the range is
 * exhausted. The continuation is stateless (the last key), so it survives topology changes.
 */
public record ScanPage(List<KvEntry> entries, ScanRange next) {
    public ScanPage {
        entries = List.copyOf(entries);
    }

    public boolean hasMore() {
        return next != null;
    }
}
