package io.kvkit.server.config;

/**
 * A node configuration that cannot be used, found before anything starts. The message names the
 * setting, where it came from (file and line, or the flag), the bad value and what is allowed;
 * the node process prints it as is and exits with status 2.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    /** @param key the setting at fault (a {@link ConfigKey} name such as {@code partitions}), or null for the file as a whole */
    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    public ConfigException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The setting at fault, or null when the error is about the file itself (unreadable, bad YAML). */
    public String key() {
        return key;
    }
}
