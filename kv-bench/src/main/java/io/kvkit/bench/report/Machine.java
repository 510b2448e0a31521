package io.kvkit.bench.report;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The machine a run measured on. Read from /proc and /sys on Linux; fields that cannot be read
 * say "unknown".
 *
 * @param cpuModel            /proc/cpuinfo "model name"
 * @param cores               processors the JVM sees
 * @param memoryBytes         MemTotal
 * @param disk                the device, file system, size and rotational flag of the data directory
 * @param loadAverageAtStart  /proc/loadavg when the run started (other work sharing the CPU shows here)
 * @param loadAverageAtEnd    /proc/loadavg when it ended
 */
public record Machine(String cpuModel, int cores, long memoryBytes, String disk, String jdk, String os, String date,
                      String loadAverageAtStart, String loadAverageAtEnd) {

    /** Describes this machine, with the disk holding {@code dataDir}. */
    public static Machine probe(Path dataDir) {
        return new Machine(probeCpuModel(), Runtime.getRuntime().availableProcessors(), memTotalBytes(), disk(dataDir),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.name") + " "
                        + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                Instant.now().toString(), loadAverage(), null);
    }

    public Machine withLoadAverageAtEnd() {
        return new Machine(cpuModel, cores, memoryBytes, disk, jdk, os, date, loadAverageAtStart, loadAverage());
    }

    /** /proc/loadavg as "1min 5min 15min", or "unknown". */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String probeCpuModel() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown";
    }

    private static long memTotalBytes() {
        for (String line : lines("/proc/meminfo")) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static String disk(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            real = dir.toAbsolutePath();
        }
        String device = "unknown";
        String fsType = "unknown";
        int best = -1;
        for (String line : lines("/proc/mounts")) {
            String[] f = line.split(" ");
            if (f.length >= 3 && real.startsWith(f[1]) && f[1].length() > best) {
                best = f[1].length();
                device = f[0];
                fsType = f[2];
            }
        }
        String size = "";
        try {
            FileStore store = Files.getFileStore(real);
            size = ", " + (store.getTotalSpace() >> 30) + " GiB";
        } catch (IOException e) {
            // size is informative only
        }
        String rotational = "";
        if (device.startsWith("/dev/")) {
            String dev = device.substring(5).replaceAll("p?[0-9]+$", "");
            List<String> rot = lines("/sys/block/" + dev + "/queue/rotational");
            if (!rot.isEmpty()) {
                rotational = ", sysfs rotational=" + rot.get(0).trim();
            }
        }
        return device + " (" + fsType + size + rotational + ")";
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
