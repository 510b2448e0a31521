package io.kvkit.server.partition;

import java.util.regex.Pattern;

/**
 * The rule for table names, shared by the partition replicas and the meta group so that a name
 * one accepts the other accepts too: 1 to 64 of {@code A-Z a-z 0-9 _ -} (safe as a directory
 * name on every file system, no separators, no dots).
 */
public final class TableName {
    /** The table every cluster has; it cannot be dropped. */
    public static final String DEFAULT = "default";
    public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private TableName() {
    }

    /**
     * Returns {@code name} if it is allowed.
     *
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    public static String checkName(String name) {
        if (name == null || !PATTERN.matcher(name).matches()) {
            throw new IllegalArgumentException("table name '" + name + "' is not allowed (allowed: 1 to 64 of A-Z a-z 0-9 _ -)");
        }
        return name;
    }
}
