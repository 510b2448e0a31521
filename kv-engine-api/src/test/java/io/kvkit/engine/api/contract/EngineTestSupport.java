package io.kvkit.engine.api.contract;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every contract test class needs to know about the engine under test. An engine binds a
 * test class to itself by overriding {@link #engineName()} and, to exercise its background
 * paths in small tests, {@link #engineOptions()}.
 */
public abstract class EngineTestSupport {

    /** The engine's registered name, as {@code StorageEngines.open} takes it. */
    protected abstract String engineName();

    /** Engine-specific options for every store the tests open (e.g. tiny buffers). */
    protected Map<String, String> engineOptions() {
        return Map.of();
    }

    protected EngineConfig config(Path dir) {
        return EngineConfig.builder(dir).options(engineOptions()).build();
    }

    /** Opens the engine under test; override to open it some other way than by name. */
    protected StorageEngine open(Path dir) {
        return open(config(dir));
    }

    protected StorageEngine open(EngineConfig config) {
        return StorageEngines.open(engineName(), config);
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Drains a cursor into "key=value" strings, closing it. */
    protected static List<String> drain(Cursor c) {
        List<String> out = new ArrayList<>();
        try (c) {
            while (c.next()) {
                out.add(s(c.key()) + "=" + s(c.value()));
            }
        }
        return out;
    }
}
