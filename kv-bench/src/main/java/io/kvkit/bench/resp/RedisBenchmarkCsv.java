package io.kvkit.bench.resp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --csv} output of redis-benchmark 7: a header line
 * {@code "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"}
 * and one line per test ({@code "SET"}, {@code "MSET (10 keys)"}, ...). Columns are found by
 * name, so their order does not matter; a missing column or a value that is not a number is an
 * error naming the line (redis-benchmark 6 prints only test and rps: it is refused, saying so).
 */
public final class RedisBenchmarkCsv {
    static final List<String> COLUMNS = List.of("test", "rps", "avg_latency_ms", "min_latency_ms", "p50_latency_ms", "p95_latency_ms",
            "p99_latency_ms", "max_latency_ms");

    /** One test's figures; latencies in milliseconds as redis-benchmark prints them. */
    public record Row(String test, double rps, double avgMs, double minMs, double p50Ms, double p95Ms, double p99Ms, double maxMs) {
    }

    private RedisBenchmarkCsv() {
    }

    /** Parses the whole output; lines that are not CSV (e.g. a "WARNING" on stderr mixed in) are skipped. */
    public static List<Row> parse(String text) {
        List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.startsWith("\"") && fields(l).contains("test") && fields(l).contains("rps")) {
                header = i;
                break;
            }
        }
        if (header < 0) {
            throw new IllegalArgumentException("no CSV header line (with \"test\" and \"rps\") in redis-benchmark's output (was it run with --csv?)");
        }
        List<String> names = fields(lines.get(header));
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            at.put(names.get(i), i);
        }
        for (String c : COLUMNS) {
            if (!at.containsKey(c)) {
                throw new IllegalArgumentException("redis-benchmark's CSV has no column '" + c + "' (header: " + lines.get(header)
                        + "); redis-benchmark 7 or newer prints " + String.join(", ", COLUMNS));
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(header + 1, lines.size())) {
            if (!line.startsWith("\"")) {
                continue; // a warning or progress line mixed into the output
            }
            List<String> f = fields(line);
            if (f.size() != names.size()) {
                throw new IllegalArgumentException("redis-benchmark CSV line has " + f.size() + " fields, the header " + names.size() + ": " + line);
            }
            rows.add(new Row(f.get(at.get("test")), number(f, at, "rps", line), number(f, at, "avg_latency_ms", line),
                    number(f, at, "min_latency_ms", line), number(f, at, "p50_latency_ms", line), number(f, at, "p95_latency_ms", line),
                    number(f, at, "p99_latency_ms", line), number(f, at, "max_latency_ms", line)));
        }
        return rows;
    }

    private static double number(List<String> f, Map<String, Integer> at, String column, String line) {
        String v = f.get(at.get(column));
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("redis-benchmark CSV: column " + column + " is not a number ('" + v + "') in: " + line);
        }
    }

    /** Splits one CSV line of double-quoted fields (redis-benchmark quotes every field; "" is an escaped quote). */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("redis-benchmark CSV line ends inside a quoted field: " + line);
        }
        out.add(cur.toString());
        return out;
    }
}
