package io.kvkit.engine.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * One documented engine tunable: its key, type, default, allowed values and meaning. Engines
 * list theirs in {@link StorageEngineProvider#options()}, so that config files, YCSB properties
 * and the CLI can set them by name and a bad value gets an error that says what is allowed.
 *
 * <p>Keys carry their unit ({@code blockSizeBytes}, {@code flushIntervalMillis}). Sizes accept
 * the suffixes KiB, MiB and GiB ({@code 64MiB}).
 */
public final class OptionSpec<T> {
    private final String key;
    private final T defaultValue;
    private final String description;
    private final String allowed;
    private final Function<String, T> parser;

    private OptionSpec(String key, T defaultValue, String description, String allowed, Function<String, T> parser) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
        this.allowed = allowed;
        this.parser = parser;
    }

    public static OptionSpec<Integer> ofInt(String key, int defaultValue, int min, int max, String description) {
        return new OptionSpec<>(key, defaultValue, description, "an integer in " + min + ".." + max,
                raw -> (int) checkRange(key, parseSize(key, raw), min, max));
    }

    public static OptionSpec<Long> ofLong(String key, long defaultValue, long min, long max, String description) {
        return new OptionSpec<>(key, defaultValue, description, "an integer in " + min + ".." + max,
                raw -> checkRange(key, parseSize(key, raw), min, max));
    }

    public static OptionSpec<Double> ofDouble(String key, double defaultValue, double min, double max, String description) {
        return new OptionSpec<>(key, defaultValue, description, "a number in " + min + ".." + max, raw -> {
            double d;
            try {
                d = Double.parseDouble(raw.trim());
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException("option " + key + "='" + raw + "' is not a number; allowed: a number in "
                        + min + ".." + max);
            }
            if (!(d >= min && d <= max)) {
                throw new InvalidArgumentException("option " + key + "=" + raw + " is out of range; allowed: " + min + ".." + max);
            }
            return d;
        });
    }

    public static OptionSpec<Boolean> ofBoolean(String key, boolean defaultValue, String description) {
        return new OptionSpec<>(key, defaultValue, description, "true or false", raw -> switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidArgumentException("option " + key + "='" + raw + "' is not a boolean; allowed: true or false");
        });
    }

    public static <E extends Enum<E>> OptionSpec<E> ofEnum(String key, Class<E> type, E defaultValue, String description) {
        String names = String.join(", ", Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        return new OptionSpec<>(key, defaultValue, description, "one of " + names, raw -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(raw.trim())) {
                    return e;
                }
            }
            throw new InvalidArgumentException("option " + key + "='" + raw + "' is not valid; allowed: " + names);
        });
    }

    public String key() {
        return key;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** What values are allowed, in words ("an integer in 1..64"). */
    public String allowed() {
        return allowed;
    }

    /** Parses a raw value, throwing {@link InvalidArgumentException} that names the key and what is allowed. */
    public T parse(String raw) {
        if (raw == null) {
            throw new InvalidArgumentException("option " + key + " has no value; allowed: " + allowed);
        }
        return parser.apply(raw);
    }

    @Override
    public String toString() {
        return key + " (default " + defaultValue + "; " + allowed + "): " + description;
    }

    private static long checkRange(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw new InvalidArgumentException("option " + key + "=" + v + " is out of range; allowed: " + min + ".." + max);
        }
        return v;
    }

    private static long parseSize(String key, String raw) {
        String s = raw.trim();
        long multiplier = 1;
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.endsWith("kib")) {
            multiplier = 1L << 10;
        } else if (lower.endsWith("mib")) {
            multiplier = 1L << 20;
        } else if (lower.endsWith("gib")) {
            multiplier = 1L << 30;
        }
        if (multiplier != 1) {
            s = s.substring(0, s.length() - 3).trim();
        }
        try {
            return Math.multiplyExact(Long.parseLong(s.replace("_", "")), multiplier);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidArgumentException("option " + key + "='" + raw
                    + "' is not an integer; allowed: an integer, optionally with a KiB, MiB or GiB suffix");
        }
    }
}
