package io.kvkit.bench.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Finds the etcd server binary: an explicit path, else {@code etcd} on PATH or /usr/bin/etcd,
 * else the project's own installer, kv-bench/scripts/ensure-etcd.sh (which installs Debian's
 * etcd-server with apt-get when run as root). Anything else is a clear error saying what to run.
 */
public final class EtcdBinary {
    static final String INSTALLER = "kv-bench/scripts/ensure-etcd.sh";

    private EtcdBinary() {
    }

    /**
     * The etcd binary to run. {@code explicit} (from --etcd) wins; {@code repositoryRoot} is where
     * the installer script is looked for.
     */
    public static Path locate(Path explicit, Path repositoryRoot) throws IOException, InterruptedException {
        if (explicit != null) {
            if (!Files.isExecutable(explicit)) {
                throw new IllegalArgumentException("--etcd " + explicit + " is not an executable file");
            }
            return explicit;
        }
        Path onPath = onPath("etcd");
        if (onPath != null) {
            return onPath;
        }
        if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            return Path.of("/usr/bin/etcd");
        }
        Path script = repositoryRoot.resolve(INSTALLER);
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no etcd binary on PATH or in /usr/bin, and no " + INSTALLER
                    + " under " + repositoryRoot + ": install etcd (Debian: apt-get install etcd-server etcd-client) or pass --etcd PATH");
        }
        System.err.println("kv bench cluster: etcd not found; running " + INSTALLER);
        Process p = new ProcessBuilder("bash", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(INSTALLER + " did not finish in 15 minutes");
        }
        if (p.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException(INSTALLER + " could not provide etcd (exit " + p.exitValue()
                    + "; its message is above): install etcd-server, or pass --etcd PATH");
        }
        String[] lines = out.split("\n");
        return Path.of(lines[lines.length - 1].trim());
    }

    /** The version line etcd prints, e.g. "etcd Version: 3.4.23"; "unknown" if it cannot be read. */
    public static String version(Path etcd) {
        try {
            Process p = new ProcessBuilder(etcd.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            for (String line : out.split("\n")) {
                if (line.startsWith("etcd Version:")) {
                    return "etcd " + line.substring("etcd Version:".length()).trim();
                }
            }
        } catch (IOException e) {
            // reported as unknown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "etcd (version unknown)";
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
