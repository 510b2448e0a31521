package io.kvkit.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much of the machine's CPU other processes used while a workload ran: the busy time of all
 * CPUs (/proc/stat) minus this process's own (/proc/self/stat), over cores x wall time. On a
 * shared machine this says how far a figure was disturbed; 0 means the run had the machine to
 * itself. Linux only; elsewhere the share is reported as -1.
 */
public final class CpuAccounting {
    /** Clock ticks per second of /proc/stat and /proc/self/stat (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long machineBusyTicks;
    private final long selfTicks;
    private final long startNanos;

    private CpuAccounting(long machineBusyTicks, long selfTicks, long startNanos) {
        this.machineBusyTicks = machineBusyTicks;
        this.selfTicks = selfTicks;
        this.startNanos = startNanos;
    }

    /** Starts a measurement now. */
    public static CpuAccounting start() {
        return new CpuAccounting(machineBusyTicks(), selfTicks(), System.nanoTime());
    }

    /**
     * The share (0..1) of all cores' time since {@link #start} that other processes kept busy,
     * or -1 when it cannot be read (or the span is too short to say, under 0.2 s).
     */
    public double otherProcessesShare() {
        long busy0 = machineBusyTicks;
        long self0 = selfTicks;
        long busy1 = machineBusyTicks();
        long self1 = selfTicks();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (busy0 < 0 || self0 < 0 || busy1 < 0 || self1 < 0 || seconds < 0.2) {
            return -1;
        }
        double others = ((busy1 - busy0) - (self1 - self0)) / TICKS_PER_SECOND;
        double share = others / (seconds * Runtime.getRuntime().availableProcessors());
        return Math.max(0, Math.min(1, share));
    }

    /** Busy ticks (USER_HZ) of all CPUs since boot from /proc/stat (idle and iowait excluded), or -1 when unreadable. */
    public static long machineBusyTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+"); // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle and iowait are not busy
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long selfTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
