package io.kvkit.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory, from /proc/self/status (Linux); -1 where unavailable. */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** VmHWM: the peak resident set size so far. */
    public static long peakRssBytes() {
        return statusKiB("VmHWM:") * 1024;
    }

    /** VmRSS: the resident set size now. */
    public static long rssBytes() {
        return statusKiB("VmRSS:") * 1024;
    }

    private static long statusKiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
