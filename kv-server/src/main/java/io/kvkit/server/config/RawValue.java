package io.kvkit.server.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One setting as written, before it is typed: a scalar's text, a list or a map of further raw
 * values, and where it was written ({@code "node.yaml line 4"}, {@code "flag --partitions"}).
 * Flags and YAML scalars are both text, so one set of parsers serves both and every error names
 * the place the operator has to fix.
 *
 * @param value  a {@code String}, a {@code List<RawValue>} or a {@code Map<String, RawValue>}
 * @param origin where it was written, for messages
 */
record RawValue(Object value, String origin) {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

    static RawValue ofText(String text, String origin) {
        return new RawValue(text, origin);
    }

    boolean isText() {
        return value instanceof String;
    }

    boolean isList() {
        return value instanceof List;
    }

    boolean isMap() {
        return value instanceof Map;
    }

    @SuppressWarnings("unchecked")
    List<RawValue> list() {
        return (List<RawValue>) value;
    }

    @SuppressWarnings("unchecked")
    Map<String, RawValue> map() {
        return (Map<String, RawValue>) value;
    }

    /** What kind of value this is, for "expected X, got Y" messages. */
    String kind() {
        return isText() ? "'" + value + "'" : isList() ? "a list" : "a map";
    }

    /** A prefix for messages: {@code "<origin>: <key>"}. */
    String at(String key) {
        return origin + ": " + key;
    }

    ConfigException error(String key, String problem, String allowed) {
        return new ConfigException(key, at(key) + " " + problem + "; allowed: " + allowed);
    }

    String text(String key, String allowed) {
        if (!isText()) {
            throw error(key, "must be a single value, got " + kind(), allowed);
        }
        String s = ((String) value).trim();
        if (s.isEmpty()) {
            throw error(key, "is empty", allowed);
        }
        return s;
    }

    long longIn(String key, long min, long max) {
        String allowed = "an integer in " + min + ".." + max;
        String s = text(key, allowed).replace("_", "");
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(key, "= " + kind() + " is not an integer", allowed);
        }
        if (v < min || v > max) {
            throw error(key, "= " + v + " is out of range", allowed);
        }
        return v;
    }

    int intIn(String key, int min, int max) {
        return (int) longIn(key, min, max);
    }

    /** A byte count: an integer with an optional unit B, KiB, MiB or GiB (powers of 1024). */
    int bytesIn(String key, int min, int max) {
        String allowed = "a byte count in " + min + ".." + max + " (" + sizeText(min) + ".." + sizeText(max)
                + "), optionally with a unit B, KiB, MiB, GiB (e.g. 16KiB)";
        Matcher m = SIZE.matcher(text(key, allowed).replace("_", ""));
        if (!m.matches()) {
            throw error(key, "= " + kind() + " is not a byte count", allowed);
        }
        long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1;
        };
        long v;
        try {
            v = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw error(key, "= " + kind() + " is out of range", allowed);
        }
        if (v < min || v > max) {
            throw error(key, "= " + kind() + " (" + v + " bytes) is out of range", allowed);
        }
        return (int) v;
    }

    /** A duration with a unit: {@code 50ms}, {@code 1s}, {@code 2m}, {@code 1h} (also ns, us). */
    Duration durationIn(String key, Duration min, Duration max) {
        String allowed = "a duration with a unit (ns, us, ms, s, m, h) in " + durationText(min) + ".." + durationText(max)
                + ", e.g. 50ms or 1s";
        Matcher m = DURATION.matcher(text(key, allowed).toLowerCase(Locale.ROOT).replace("_", ""));
        if (!m.matches()) {
            throw error(key, "= " + kind() + " is not a duration", allowed);
        }
        Duration d;
        try {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ns" -> Duration.ofNanos(n);
                case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw error(key, "= " + kind() + " is out of range", allowed);
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw error(key, "= " + kind() + " is out of range", allowed);
        }
        return d;
    }

    boolean bool(String key) {
        String allowed = "true or false";
        return switch (text(key, allowed).toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw error(key, "= " + kind() + " is not a boolean", allowed);
        };
    }

    /**
     * String to string: a YAML map of scalars, or the flag form {@code k=v,k=v} (an empty text is
     * the empty map, so a flag can clear what a file set).
     */
    Map<String, String> stringMap(String key) {
        String allowed = "a map of names to values (YAML), or k=v,k=v (flag)";
        Map<String, String> out = new LinkedHashMap<>();
        if (isMap()) {
            for (Map.Entry<String, RawValue> e : map().entrySet()) {
                out.put(e.getKey(), e.getValue().text(key + "." + e.getKey(), "a single value"));
            }
            return out;
        }
        if (isList()) {
            throw error(key, "must be a map, got a list", allowed);
        }
        String s = ((String) value).trim();
        if (s.isEmpty()) {
            return out;
        }
        for (String pair : s.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw error(key, "= '" + s + "': '" + pair.trim() + "' is not k=v", allowed);
            }
            String k = pair.substring(0, eq).trim();
            if (out.put(k, pair.substring(eq + 1).trim()) != null) {
                throw error(key, "= '" + s + "' sets '" + k + "' twice", allowed);
            }
        }
        return out;
    }

    static String durationText(Duration d) {
        if (d.toNanos() % 1_000_000 != 0) {
            return d.toNanos() + "ns";
        }
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms > 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static String sizeText(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return bytes + "B";
    }
}
