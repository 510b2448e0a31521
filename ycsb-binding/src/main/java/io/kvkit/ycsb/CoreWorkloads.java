package io.kvkit.ycsb;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Properties;

/**
 * The core workloads A–F (files {@code workloada} … {@code workloadf}, shipped as resources of
 * this module), with YCSB 0.17.0's parameters: A 50/50 read/update, B 95/5 read/update, C
 * read only, D 95/5 read/insert reading the latest, E 95/5 scan/insert, F 50/50
 * read/read-modify-write; zipfian requests except D; 10 fields of 100 bytes.
 */
public final class CoreWorkloads {
    /** Every core workload, in letter order. */
    public static final List<String> NAMES = List.of("workloada", "workloadb", "workloadc", "workloadd", "workloade", "workloadf");

    private CoreWorkloads() {
    }

    /**
     * The name for {@code nameOrLetter} ("a", "A", "workloada").
     *
     * @throws IllegalArgumentException naming the workloads there are
     */
    public static String canonicalName(String nameOrLetter) {
        String n = nameOrLetter.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.length() == 1) {
            n = "workload" + n;
        }
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("no core workload '" + nameOrLetter + "'; there are: " + String.join(", ", NAMES)
                    + " (or their letters a-f)");
        }
        return n;
    }

    /** The properties of core workload {@code name}. */
    public static Properties properties(String name) {
        Properties p = new Properties();
        try (InputStream in = open(name)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read workload " + name, e);
        }
        return p;
    }

    /** Writes the file of workload {@code name} into {@code dir} and returns its path (for YCSB's {@code -P}). */
    public static Path copyTo(String name, Path dir) {
        Path target = dir.resolve(canonicalName(name));
        try (InputStream in = open(name)) {
            Files.createDirectories(dir);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write workload " + name + " to " + dir, e);
        }
        return target;
    }

    private static InputStream open(String name) {
        String n = canonicalName(name);
        InputStream in = CoreWorkloads.class.getResourceAsStream("workloads/" + n);
        if (in == null) {
            throw new IllegalStateException("workload resource io/kvkit/ycsb/workloads/" + n + " is missing from the class path");
        }
        return in;
    }
}
