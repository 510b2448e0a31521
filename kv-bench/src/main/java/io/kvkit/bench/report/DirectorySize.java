package io.kvkit.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Bytes a directory takes: allocated on disk (what {@code du} counts, so sparse files such as
 * Chronicle Map's and LMDB's count only what is written) and apparent (the sum of file sizes).
 */
public final class DirectorySize {
    private DirectorySize() {
    }

    /** Sum of the sizes of every regular file under {@code dir}. */
    public static long apparentBytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a file removed while walking (compaction) no longer counts
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        } catch (UncheckedIOException e) {
            return apparentBytesRetry(dir);
        }
    }

    private static long apparentBytesRetry(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** Bytes allocated under {@code dir} as {@code du -s -B1} reports them; the apparent size where du is unavailable. */
    public static long allocatedBytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try {
            Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Long.parseLong(out.split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            // fall back to the apparent size
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return apparentBytes(dir);
    }
}
