package io.kvkit.server.admin;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Collects one scrape's samples and renders them in the Prometheus text exposition format 0.0.4.
 *
 * <p>Samples of a family may be added in any order: they are kept per family and rendered as
 * one group, after the family's {@code # HELP} and {@code # TYPE} lines (the format requires
 * one group per family). What the format or Prometheus would refuse is refused here, at the
 * call that does it, with {@link IllegalArgumentException}: a bad metric or label name, a
 * family redeclared with another type or help, the same label set twice in a family, a sample
 * name one family would share with another (a histogram {@code x} owns {@code x_bucket},
 * {@code x_sum} and {@code x_count}), a negative or NaN counter, a counter whose name does not
 * end in {@code _total}, or a label {@code le} on a histogram. Labels are written sorted by name,
 * so equal input gives equal text.
 *
 * <p>One writer serves one scrape, on one thread.
 */
public final class MetricsWriter {
    /** The {@code Content-Type} of {@link #text()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final class Family {
        final String name;
        final Type type;
        final String help;
        final StringBuilder samples = new StringBuilder();
        final Set<String> labelSets = new HashSet<>();
        /** The sample names this family writes. */
        final String[] owned;
        /** Whether it is in {@link #families}: only once its first sample passed every check. */
        boolean registered;

        Family(String name, Type type, String help, String[] owned) {
            this.name = name;
            this.type = type;
            this.help = help;
            this.owned = owned;
        }
    }

    private final Map<String, Family> families = new LinkedHashMap<>();
    /** Every sample name in use, to the family that owns it. */
    private final Map<String, String> sampleNames = new HashMap<>();

    /** A monotonically increasing count; {@code name} ends in {@code _total}. */
    public MetricsWriter counter(String name, String help, Map<String, String> labels, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("counter " + name + " cannot be negative: " + value);
        }
        Family f = family(name, Type.COUNTER, help);
        sample(f, name, labels(f, labels), Long.toString(value));
        return this;
    }

    /** A monotonically increasing amount that is not whole (e.g. seconds); {@code name} ends in {@code _total}. */
    public MetricsWriter counter(String name, String help, Map<String, String> labels, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("counter " + name + " must be a non-negative number or +Inf, got " + value);
        }
        Family f = family(name, Type.COUNTER, help);
        sample(f, name, labels(f, labels), formatValue(value));
        return this;
    }

    public MetricsWriter gauge(String name, String help, Map<String, String> labels, long value) {
        Family f = family(name, Type.GAUGE, help);
        sample(f, name, labels(f, labels), Long.toString(value));
        return this;
    }

    /** A value that goes up and down; NaN and infinities are written as {@code NaN}, {@code +Inf}, {@code -Inf}. */
    public MetricsWriter gauge(String name, String help, Map<String, String> labels, double value) {
        Family f = family(name, Type.GAUGE, help);
        sample(f, name, labels(f, labels), formatValue(value));
        return this;
    }

    /**
     * A histogram: cumulative {@code name_bucket{le="..."}} samples ending with {@code le="+Inf"}
     * (equal to the count), then {@code name_sum} and {@code name_count}.
     */
    public MetricsWriter histogram(String name, String help, Map<String, String> labels, HistogramSnapshot h) {
        Objects.requireNonNull(h, "histogram snapshot");
        Family f = family(name, Type.HISTOGRAM, help);
        String base = labels(f, labels);
        double[] bounds = h.upperBounds();
        long[] counts = h.bucketCounts();
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += counts[i];
            String le = i < bounds.length ? formatBound(bounds[i]) : "+Inf";
            sample(f, name + "_bucket", withLe(base, le), Long.toString(cumulative));
        }
        sample(f, name + "_sum", base, formatValue(h.sum()));
        sample(f, name + "_count", base, Long.toString(cumulative));
        return this;
    }

    /** The exposition text of everything written so far (ends with a newline unless empty). */
    public String text() {
        StringBuilder out = new StringBuilder();
        for (Family f : families.values()) {
            out.append("# HELP ").append(f.name).append(' ').append(escapeHelp(f.help)).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type.text()).append('\n');
            out.append(f.samples);
        }
        return out.toString();
    }

    private Family family(String name, Type type, String help) {
        Objects.requireNonNull(name, "metric name");
        Objects.requireNonNull(help, "help of " + name);
        Family f = families.get(name);
        if (f != null) {
            if (f.type != type) {
                throw new IllegalArgumentException("metric " + name + " is already a " + f.type.text() + ", not a " + type.text());
            }
            if (!f.help.equals(help)) {
                throw new IllegalArgumentException("metric " + name + " is already described as \"" + f.help
                        + "\", not \"" + help + "\"");
            }
            return f;
        }
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name \"" + name + "\": allowed are [a-zA-Z_:][a-zA-Z0-9_:]*");
        }
        if (type == Type.COUNTER && !name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + " must end in _total");
        }
        String[] owned = type == Type.HISTOGRAM ? new String[]{name + "_bucket", name + "_sum", name + "_count"} : new String[]{name};
        for (String s : owned) {
            String owner = sampleNames.get(s);
            if (owner != null) {
                throw new IllegalArgumentException("metric " + name + " would write samples named " + s
                        + ", which metric " + owner + " already writes");
            }
        }
        return new Family(name, type, help, owned); // registered by its first sample: a refused call leaves no trace

    }

    /** The label set as text ({@code a="x",b="y"}, sorted by name; empty for none), checked and unique in its family. */
    private static String labels(Family f, Map<String, String> labels) {
        Objects.requireNonNull(labels, "labels of " + f.name + " (use Map.of() for none)");
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            String name = e.getKey();
            if (!LABEL_NAME.matcher(name).matches() || name.startsWith("__")) {
                throw new IllegalArgumentException("bad label name \"" + name + "\" on " + f.name
                        + ": allowed are [a-zA-Z_][a-zA-Z0-9_]* not starting with __");
            }
            if (f.type == Type.HISTOGRAM && name.equals("le")) {
                throw new IllegalArgumentException("histogram " + f.name + " cannot have a label named le (its buckets use it)");
            }
            String value = Objects.requireNonNull(e.getValue(), "value of label " + name + " on " + f.name);
            if (!s.isEmpty()) {
                s.append(',');
            }
            s.append(name).append("=\"").append(escapeLabelValue(value)).append('"');
        }
        String text = s.toString();
        if (!f.labelSets.add(text)) {
            throw new IllegalArgumentException("metric " + f.name + " already has a sample with labels {" + text + "}");
        }
        return text;
    }

    private static String withLe(String labels, String le) {
        // "le" sorts wherever it sorts; the order of labels does not matter to the format, so it goes last
        return (labels.isEmpty() ? "" : labels + ",") + "le=\"" + le + "\"";
    }

    private void sample(Family f, String sampleName, String labels, String value) {
        if (!f.registered) {
            f.registered = true;
            families.put(f.name, f);
            for (String s : f.owned) {
                sampleNames.put(s, f.name);
            }
        }
        f.samples.append(sampleName);
        if (!labels.isEmpty()) {
            f.samples.append('{').append(labels).append('}');
        }
        f.samples.append(' ').append(value).append('\n');
    }

    static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Bucket bounds as plain decimals ({@code 0.0001}, {@code 2.5}, {@code 10}), as Prometheus's own clients write them. */
    static String formatBound(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    static String escapeHelp(String help) {
        StringBuilder s = new StringBuilder(help.length());
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                default -> s.append(c);
            }
        }
        return s.toString();
    }

    static String escapeLabelValue(String value) {
        StringBuilder s = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                case '\n' -> s.append("\\n");
                default -> s.append(c);
            }
        }
        return s.toString();
    }
}
