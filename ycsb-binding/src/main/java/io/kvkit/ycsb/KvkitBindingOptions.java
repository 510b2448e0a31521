package io.kvkit.ycsb;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Every YCSB property the embedded binding reads, with its default.
 *
 * <table>
 *   <caption>Properties</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #ENGINE}</td><td>{@value #DEFAULT_ENGINE}</td><td>engine name: lsm, hash, bplustree, or any engine on the class path</td></tr>
 *   <tr><td>{@value #PATH}</td><td>(required)</td><td>the engine's directory; created if missing</td></tr>
 *   <tr><td>{@value #SYNC}</td><td>false</td><td>every write waits for stable storage (fsync) before it returns</td></tr>
 *   <tr><td>{@value #LOCK_STRIPES}</td><td>1024</td><td>write lock stripes (power of two) that make partial updates atomic per key</td></tr>
 *   <tr><td>{@value #ENGINE_OPTION_PREFIX}NAME</td><td>engine default</td><td>engine option NAME (e.g. {@code kvkit.option.maxValueBytes}); checked by the engine</td></tr>
 * </table>
 *
 * @param engine          engine name
 * @param path            engine directory
 * @param syncWrites      whether writes are acknowledged only once durable
 * @param lockStripes     number of write lock stripes
 * @param engineOptions   engine options, prefix removed
 */
public record KvkitBindingOptions(String engine, Path path, boolean syncWrites, int lockStripes, Map<String, String> engineOptions) {
    public static final String ENGINE = "kvkit.engine";
    public static final String PATH = "kvkit.path";
    public static final String SYNC = "kvkit.sync";
    public static final String LOCK_STRIPES = "kvkit.lockstripes";
    public static final String ENGINE_OPTION_PREFIX = "kvkit.option.";

    public static final String DEFAULT_ENGINE = "lsm";
    public static final boolean DEFAULT_SYNC = false;
    public static final int DEFAULT_LOCK_STRIPES = KeyLockStripes.DEFAULT_STRIPES;

    public KvkitBindingOptions {
        engineOptions = Map.copyOf(engineOptions);
    }

    /**
     * Reads the options from YCSB's properties.
     *
     * @throws IllegalArgumentException naming the property, the value given and what is allowed
     */
    public static KvkitBindingOptions from(Properties p) {
        String engine = p.getProperty(ENGINE, DEFAULT_ENGINE).trim();
        if (engine.isEmpty()) {
            throw new IllegalArgumentException(ENGINE + " is empty; give an engine name such as lsm, hash or bplustree");
        }
        String pathText = p.getProperty(PATH);
        if (pathText == null || pathText.isBlank()) {
            throw new IllegalArgumentException(PATH + " is not set; give the engine's directory, e.g. -p " + PATH + "=/tmp/kvkit-ycsb");
        }
        Path path;
        try {
            path = Path.of(pathText.trim());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(PATH + "='" + pathText + "' is not a valid path: " + e.getMessage(), e);
        }
        boolean sync = parseBoolean(p, SYNC, DEFAULT_SYNC);
        int stripes = DEFAULT_LOCK_STRIPES;
        String s = p.getProperty(LOCK_STRIPES);
        if (s != null) {
            try {
                stripes = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(LOCK_STRIPES + "='" + s + "' is not a number; give a power of two from 1 to 1048576", e);
            }
            if (stripes < 1 || stripes > (1 << 20) || Integer.bitCount(stripes) != 1) {
                throw new IllegalArgumentException(LOCK_STRIPES + "=" + stripes + " is not a power of two from 1 to 1048576");
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(ENGINE_OPTION_PREFIX)) {
                String option = name.substring(ENGINE_OPTION_PREFIX.length());
                if (option.isEmpty()) {
                    throw new IllegalArgumentException("property '" + name + "' names no engine option; write " + ENGINE_OPTION_PREFIX + "NAME=VALUE");
                }
                options.put(option, p.getProperty(name));
            }
        }
        return new KvkitBindingOptions(engine, path, sync, stripes, options);
    }

    private static boolean parseBoolean(Properties p, String key, boolean dflt) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + "='" + v + "' is not a boolean; use true or false");
        };
    }
}
