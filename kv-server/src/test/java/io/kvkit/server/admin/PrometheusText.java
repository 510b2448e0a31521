package io.kvkit.server.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it refuses what
 * Prometheus refuses and a little more (what a careful writer never emits). Checked: line
 * syntax; metric and label names; label value and HELP escapes; float syntax; at most one HELP
 * and one TYPE per family, before its samples; each family's samples in one group; no sample
 * twice; counters neither negative nor NaN; histograms: {@code le} on buckets only, bounds
 * strictly ascending, cumulative counts non-decreasing, a {@code +Inf} bucket equal to
 * {@code _count}, and {@code _sum} and {@code _count} present for each label set.
 */
public final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public static final class Family {
        final String name;
        String type;
        String help;
        public final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }

        /** The value of the sample with this name and exactly these labels. */
        double value(String sampleName, Map<String, String> labels) {
            for (Sample s : samples) {
                if (s.name.equals(sampleName) && s.labels.equals(labels)) {
                    return s.value;
                }
            }
            throw new AssertionError("no sample " + sampleName + labels + " in family " + name + ": " + samples);
        }
    }

    static final class ParseException extends RuntimeException {
        ParseException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private PrometheusText() {
    }

    /** The families by name, in the order they appear. */
    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return families;
        }
        if (!text.endsWith("\n")) {
            throw new ParseException(0, "the last line does not end with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        Set<String> finished = new HashSet<>(); // families whose group has ended
        Set<String> seenSamples = new HashSet<>();
        String current = null;
        for (int i = 0; i < lines.length; i++) {
            int ln = i + 1;
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            if (line.indexOf('\r') >= 0) {
                throw new ParseException(ln, "carriage return in a line");
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    if (!METRIC_NAME.matcher(name).matches()) {
                        throw new ParseException(ln, "bad metric name in " + parts[1] + ": " + name);
                    }
                    if (finished.contains(name)) {
                        throw new ParseException(ln, parts[1] + " for family " + name + " after its group ended");
                    }
                    if (!name.equals(current)) {
                        if (current != null) {
                            finished.add(current);
                        }
                        current = name;
                    }
                    Family f = families.computeIfAbsent(name, Family::new);
                    String rest = parts.length == 4 ? parts[3] : "";
                    if (parts[1].equals("HELP")) {
                        if (f.help != null) {
                            throw new ParseException(ln, "second HELP for " + name);
                        }
                        f.help = unescape(rest, false, ln);
                    } else {
                        if (f.type != null) {
                            throw new ParseException(ln, "second TYPE for " + name);
                        }
                        if (!f.samples.isEmpty()) {
                            throw new ParseException(ln, "TYPE for " + name + " after its samples");
                        }
                        if (!TYPES.contains(rest)) {
                            throw new ParseException(ln, "unknown type \"" + rest + "\" for " + name);
                        }
                        f.type = rest;
                    }
                }
                continue; // any other comment is allowed
            }
            Sample s = sample(line, ln);
            String family = familyOf(s.name, families);
            if (!family.equals(current)) {
                if (finished.contains(family)) {
                    throw new ParseException(ln, "sample of family " + family + " outside its group");
                }
                if (current != null) {
                    finished.add(current);
                }
                current = family;
            }
            Family f = families.computeIfAbsent(family, Family::new);
            if (!seenSamples.add(s.name + new TreeMap<>(s.labels))) {
                throw new ParseException(ln, "duplicate sample " + s.name + s.labels);
            }
            if ("counter".equals(f.type) && (Double.isNaN(s.value) || s.value < 0)) {
                throw new ParseException(ln, "counter " + s.name + " is " + s.value);
            }
            if (s.labels.containsKey("le") && !("histogram".equals(f.type) && s.name.equals(family + "_bucket"))) {
                throw new ParseException(ln, "label le outside a histogram bucket: " + s.name);
            }
            f.samples.add(s);
        }
        for (Family f : families.values()) {
            if ("histogram".equals(f.type)) {
                checkHistogram(f);
            }
        }
        return families;
    }

    /** The family a sample belongs to: a histogram's by suffix when such a family is declared. */
    private static String familyOf(String sample, Map<String, Family> families) {
        for (String suffix : new String[]{"_bucket", "_sum", "_count"}) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                Family f = families.get(base);
                if (f != null && "histogram".equals(f.type)) {
                    return base;
                }
            }
        }
        return sample;
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new HashMap<>();
        Map<Map<String, String>, Double> sums = new HashMap<>();
        Map<Map<String, String>, Double> counts = new HashMap<>();
        for (Sample s : f.samples) {
            if (s.name.equals(f.name + "_bucket")) {
                if (!s.labels.containsKey("le")) {
                    throw new ParseException(0, "bucket of " + f.name + " without le: " + s.labels);
                }
                Map<String, String> rest = new TreeMap<>(s.labels);
                rest.remove("le");
                buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name.equals(f.name + "_sum")) {
                sums.put(new TreeMap<>(s.labels), s.value);
            } else if (s.name.equals(f.name + "_count")) {
                counts.put(new TreeMap<>(s.labels), s.value);
            } else {
                throw new ParseException(0, "sample " + s.name + " in histogram " + f.name);
            }
        }
        Set<Map<String, String>> sets = new HashSet<>(buckets.keySet());
        sets.addAll(sums.keySet());
        sets.addAll(counts.keySet());
        for (Map<String, String> l : sets) {
            List<Sample> bs = buckets.get(l);
            if (bs == null || !sums.containsKey(l) || !counts.containsKey(l)) {
                throw new ParseException(0, "histogram " + f.name + l + " lacks buckets, _sum or _count");
            }
            double prevLe = Double.NEGATIVE_INFINITY;
            double prevCount = 0;
            for (Sample b : bs) {
                double le = parseFloat(b.labels.get("le"), 0);
                if (!(le > prevLe)) {
                    throw new ParseException(0, "histogram " + f.name + l + ": le " + le + " not above " + prevLe);
                }
                if (b.value < prevCount || Double.isNaN(b.value)) {
                    throw new ParseException(0, "histogram " + f.name + l + ": bucket le=" + le + " count " + b.value
                            + " below the previous bucket's " + prevCount);
                }
                prevLe = le;
                prevCount = b.value;
            }
            if (prevLe != Double.POSITIVE_INFINITY) {
                throw new ParseException(0, "histogram " + f.name + l + " has no +Inf bucket");
            }
            if (prevCount != counts.get(l)) {
                throw new ParseException(0, "histogram " + f.name + l + ": +Inf bucket " + prevCount + " != _count " + counts.get(l));
            }
        }
    }

    private static Sample sample(String line, int ln) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new ParseException(ln, "bad metric name \"" + name + "\"");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            if (i < line.length() && line.charAt(i) == '}') {
                i++;
            } else {
                while (true) {
                    int eq = line.indexOf('=', i);
                    if (eq < 0) {
                        throw new ParseException(ln, "label without '='");
                    }
                    String label = line.substring(i, eq);
                    if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                        throw new ParseException(ln, "bad label name \"" + label + "\"");
                    }
                    i = eq + 1;
                    if (i >= line.length() || line.charAt(i) != '"') {
                        throw new ParseException(ln, "label value of " + label + " not quoted");
                    }
                    i++;
                    StringBuilder raw = new StringBuilder();
                    while (true) {
                        if (i >= line.length()) {
                            throw new ParseException(ln, "unterminated label value of " + label);
                        }
                        char c = line.charAt(i);
                        if (c == '\\') {
                            if (i + 1 >= line.length()) {
                                throw new ParseException(ln, "dangling backslash in label value of " + label);
                            }
                            raw.append(c).append(line.charAt(i + 1));
                            i += 2;
                        } else if (c == '"') {
                            i++;
                            break;
                        } else {
                            raw.append(c);
                            i++;
                        }
                    }
                    if (labels.put(label, unescape(raw.toString(), true, ln)) != null) {
                        throw new ParseException(ln, "label " + label + " twice");
                    }
                    if (i >= line.length()) {
                        throw new ParseException(ln, "unterminated label set");
                    }
                    char c = line.charAt(i++);
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        throw new ParseException(ln, "expected ',' or '}' after a label, got '" + c + "'");
                    }
                }
            }
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new ParseException(ln, "expected one space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2 || rest[0].isEmpty()) {
            throw new ParseException(ln, "expected 'value [timestamp]' after the labels, got \"" + line.substring(i + 1) + "\"");
        }
        double value = parseFloat(rest[0], ln);
        if (rest.length == 2 && !rest[1].matches("-?[0-9]+")) {
            throw new ParseException(ln, "bad timestamp " + rest[1]);
        }
        return new Sample(name, labels, value);
    }

    static double parseFloat(String s, int ln) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf", "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                if (!FLOAT.matcher(s).matches()) {
                    throw new ParseException(ln, "not a number: \"" + s + "\"");
                }
                return Double.parseDouble(s);
        }
    }

    private static String unescape(String s, boolean quotes, int ln) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' && quotes) {
                throw new ParseException(ln, "unescaped quote");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new ParseException(ln, "dangling backslash");
            }
            char e = s.charAt(i);
            switch (e) {
                case '\\' -> out.append('\\');
                case 'n' -> out.append('\n');
                case '"' -> {
                    if (!quotes) {
                        throw new ParseException(ln, "\\\" is not an escape in HELP");
                    }
                    out.append('"');
                }
                default -> throw new ParseException(ln, "bad escape \\" + e);
            }
        }
        return out.toString();
    }
}
