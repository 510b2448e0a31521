package io.kvkit.jcstress;

import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.grading.TestGrading;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs jcstress with the given arguments (the same as {@code org.openjdk.jcstress.Main}'s), then
 * grades the results and exits with a status a build can act on, after writing a summary a person
 * can read (jcstress's own {@code Main} dies with an {@code AssertionError} on failures and leaves
 * only HTML).
 *
 * <p>Exit status: 0 when every test ran and passed; 1 when a test saw a FORBIDDEN outcome, an
 * outcome no {@code @Outcome} names, an exception, a timeout or a crashed VM; 2 when no test ran
 * (a wrong {@code -t} filter, a broken class path). ACCEPTABLE_INTERESTING outcomes are listed
 * but do not fail the run.
 *
 * <p>Besides jcstress's HTML report in the {@code -r} directory it writes {@code summary.md}
 * there: one line per test with its sample count and every outcome seen, short enough to commit.
 */
public final class JcstressRunner {
    private JcstressRunner() {
    }

    public static void main(String[] args) throws Exception {
        Options opts = new Options(args);
        if (!opts.parse()) {
            System.exit(1);
        }
        String loadBefore = loadAverage();
        Instant start = Instant.now();
        try {
            new JCStress(opts).run();
        } catch (AssertionError e) {
            // jcstress reports failed tests by throwing once its reports are written; graded below
        }
        Duration took = Duration.between(start, Instant.now());

        InProcessCollector collected = new InProcessCollector();
        if (Files.exists(Path.of(opts.getResultFile()))) {
            DiskReadCollector reader = new DiskReadCollector(opts.getResultFile(), collected);
            try {
                reader.dump();
            } finally {
                reader.close();
            }
        }
        List<TestResult> results = ReportUtils.mergedByName(collected.getTestResults());

        List<String> failed = new ArrayList<>();
        List<String> interesting = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("# jcstress summary\n\n");
        md.append("- arguments: `").append(String.join(" ", args)).append("`\n");
        md.append("- started: ").append(start).append(", took ").append(took.toSeconds()).append(" s\n");
        md.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append(", Java ").append(System.getProperty("java.version")).append('\n');
        md.append("- load average (1, 5, 15 min) before: ").append(loadBefore).append(", after: ").append(loadAverage()).append("\n\n");
        md.append("| test | samples | verdict | outcomes (count, expectation) |\n|---|--:|---|---|\n");
        for (TestResult r : results) {
            TestGrading g = r.grading();
            boolean ok = r.status() == Status.NORMAL && g.isPassed;
            String name = shortName(r.getName());
            if (!ok) {
                failed.add(name + " (" + r.status() + (g.failureMessages.isEmpty() ? "" : ": " + String.join("; ", g.failureMessages)) + ")");
            } else if (g.hasInteresting) {
                interesting.add(name);
            }
            StringBuilder outcomes = new StringBuilder();
            for (GradingResult gr : g.gradingResults.values()) {
                if (gr.count == 0) {
                    continue;
                }
                if (!outcomes.isEmpty()) {
                    outcomes.append("; ");
                }
                outcomes.append('`').append(gr.id).append("` ").append(gr.count).append(' ').append(gr.expect);
            }
            md.append("| ").append(name).append(" | ").append(r.getTotalCount()).append(" | ")
                    .append(ok ? (g.hasInteresting ? "passed, interesting" : "passed") : "**FAILED** (" + r.status() + ")")
                    .append(" | ").append(outcomes).append(" |\n");
            if (r.status() != Status.NORMAL) {
                for (String m : r.getMessages()) {
                    md.append("|  |  |  | ").append(m.replace('|', '/')).append(" |\n");
                }
            }
        }
        md.append('\n');
        if (results.isEmpty()) {
            md.append("No test ran.\n");
        }
        Path summary = Path.of(opts.getResultDest()).resolve("summary.md");
        try {
            Files.createDirectories(summary.getParent());
            Files.writeString(summary, md);
        } catch (IOException e) {
            System.err.println("kv-jcstress: could not write " + summary + ": " + e);
        }

        System.out.println();
        System.out.println("kv-jcstress: " + results.size() + " tests in " + took.toSeconds() + " s; summary in " + summary);
        for (String i : interesting) {
            System.out.println("kv-jcstress: interesting (allowed) outcomes in " + i);
        }
        for (String f : failed) {
            System.out.println("kv-jcstress: FAILED " + f);
        }
        if (results.isEmpty()) {
            System.out.println("kv-jcstress: no test ran (check the -t filter and the class path)");
            System.exit(2);
        }
        System.exit(failed.isEmpty() ? 0 : 1);
    }

    private static String shortName(String name) {
        return name.startsWith("io.kvkit.") ? name.substring("io.kvkit.".length()) : name;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
