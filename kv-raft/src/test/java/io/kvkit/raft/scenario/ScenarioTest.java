package io.kvkit.raft.scenario;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the scenario scripts in {@code src/test/resources/scenarios/*.txt}. A script is a list of
 * blocks:
 *
 * <pre>
 * # comments
 * command arg key=value
 * ----
 * expected output (no blank lines)
 * </pre>
 *
 * separated by blank lines. With {@code -Dkvkit.raft.rewrite=true} the expected outputs are
 * replaced by the actual ones, so that a behaviour change is reviewed as a diff of the scripts.
 */
class ScenarioTest {

    static Path dir() {
        String d = System.getProperty("kvkit.raft.scenarioDir", "src/test/resources/scenarios");
        return Path.of(d);
    }

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir())) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).as("scenario scripts in " + dir().toAbsolutePath()).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> runFile(f)));
    }

    private record Block(List<String> preamble, String command, String expected) {
    }

    static void runFile(Path file) throws IOException {
        boolean rewrite = Boolean.getBoolean("kvkit.raft.rewrite");
        List<String> mismatches = run(file, Set.of(), rewrite);
        if (rewrite) {
            return;
        }
        assertThat(mismatches).as("scenario output differs (rerun with -Dkvkit.raft.rewrite=true and review the diff)")
                .isEmpty();
    }

    /**
     * Replays {@code file} with the given safety rules switched off in every core and returns the
     * blocks whose output differs from the script's (or, with {@code rewrite}, rewrites the script).
     */
    static List<String> run(Path file, Set<String> disabledRules, boolean rewrite) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> blocks = parse(lines, file);
        ScenarioEnv env = new ScenarioEnv(disabledRules);
        StringBuilder rewritten = new StringBuilder();
        List<String> mismatches = new ArrayList<>();
        for (Block b : blocks) {
            String actual;
            try {
                String[] parts = b.command().trim().split("\\s+");
                Map<String, String> kv = new LinkedHashMap<>();
                List<String> pos = new ArrayList<>();
                for (int i = 1; i < parts.length; i++) {
                    int eq = parts[i].indexOf('=');
                    if (eq > 0) {
                        kv.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
                    } else if (parts[i].equals("drop")) {
                        kv.put("drop", "true");
                    } else {
                        pos.add(parts[i]);
                    }
                }
                actual = env.run(parts[0], kv, pos);
            } catch (RuntimeException e) {
                actual = "error: " + e.getMessage() + "\n";
            }
            for (String p : b.preamble()) {
                rewritten.append(p).append('\n');
            }
            rewritten.append(b.command()).append("\n----\n").append(actual).append('\n');
            if (!actual.equals(b.expected())) {
                mismatches.add(file.getFileName() + ": " + b.command() + "\n--- expected ---\n" + b.expected()
                        + "--- actual ---\n" + actual);
            }
        }
        if (rewrite) {
            String text = rewritten.toString();
            Files.writeString(file, text.endsWith("\n\n") ? text.substring(0, text.length() - 1) : text, StandardCharsets.UTF_8);
        }
        return mismatches;
    }

    private static List<Block> parse(List<String> lines, Path file) {
        List<Block> out = new ArrayList<>();
        List<String> preamble = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String l = lines.get(i);
            if (l.isBlank() || l.startsWith("#")) {
                if (!l.isBlank()) {
                    preamble.add(l);
                }
                i++;
                continue;
            }
            String cmd = l;
            i++;
            if (i >= lines.size() || !lines.get(i).equals("----")) {
                throw new IllegalArgumentException(file + ":" + i + ": expected '----' after command '" + cmd + "'");
            }
            i++;
            StringBuilder exp = new StringBuilder();
            while (i < lines.size() && !lines.get(i).isEmpty()) {
                exp.append(lines.get(i)).append('\n');
                i++;
            }
            out.add(new Block(preamble, cmd, exp.toString()));
            preamble = new ArrayList<>();
        }
        return out;
    }
}
