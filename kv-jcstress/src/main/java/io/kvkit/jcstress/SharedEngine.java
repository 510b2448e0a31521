package io.kvkit.jcstress;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real engine in a temporary directory, shared by the jcstress states of one test JVM.
 *
 * <p>Opening an engine costs 5-7 ms here (files, fsyncs, a background thread), and jcstress
 * creates states by the thousand, so states do not open engines of their own: each takes a
 * {@link Lease} on the current engine and uses keys of its own ({@link TestKeys}). After
 * {@code statesPerEngine} leases the next lease opens a fresh engine in a fresh directory; the old
 * one is closed and its directory deleted when its last lease is released (in the states'
 * arbiters). So the store stays small, the test sees engines at every age (empty, flushing,
 * compacting, rebuilding), and nothing is left behind when the JVM exits normally (a shutdown
 * hook closes and deletes what is still open).
 */
public final class SharedEngine {
    private static final Set<Generation> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Generation g : OPEN) {
                g.closeAndDelete();
            }
        }, "kvkit-jcstress-cleanup"));
    }

    private final String engineName;
    private final Map<String, String> options;
    private final long statesPerEngine;
    private Generation current;
    private long leased;

    /**
     * @param engineName      "lsm", "hash" or "bplustree"
     * @param options         engine options (small buffers and segments, so that background work runs often)
     * @param statesPerEngine leases one engine serves before the next lease opens a fresh one
     */
    public SharedEngine(String engineName, Map<String, String> options, long statesPerEngine) {
        this.engineName = engineName;
        this.options = Map.copyOf(options);
        this.statesPerEngine = statesPerEngine;
    }

    /** A lease on the current engine; release it exactly once (in the state's arbiter). */
    public Lease lease() {
        Generation retired = null;
        Lease lease;
        synchronized (this) {
            if (current == null || leased >= statesPerEngine) {
                retired = current;
                current = open();
                leased = 0;
            }
            leased++;
            lease = current.lease();
        }
        if (retired != null) {
            retired.retire();
        }
        return lease;
    }

    private Generation open() {
        Path dir;
        try {
            dir = Files.createTempDirectory("kvkit-jcstress-" + engineName + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EngineConfig.Builder b = EngineConfig.builder(dir);
        options.forEach(b::option);
        return new Generation(StorageEngines.open(engineName, b.build()), dir);
    }

    /** One state's hold on an engine. */
    public static final class Lease {
        public final StorageEngine engine;
        private final Generation generation;
        private boolean released;

        private Lease(Generation generation) {
            this.generation = generation;
            this.engine = generation.engine;
        }

        /** Gives the engine back; the last lease of a retired engine closes it and deletes its files. */
        public void release() {
            if (!released) {
                released = true;
                generation.release();
            }
        }
    }

    private static final class Generation {
        final StorageEngine engine;
        final Path dir;
        private int leases;
        private boolean retired;
        private boolean closed;

        Generation(StorageEngine engine, Path dir) {
            this.engine = engine;
            this.dir = dir;
            OPEN.add(this);
        }

        synchronized Lease lease() {
            leases++;
            return new Lease(this);
        }

        void retire() {
            boolean close;
            synchronized (this) {
                retired = true;
                close = leases == 0;
            }
            if (close) {
                closeAndDelete();
            }
        }

        void release() {
            boolean close;
            synchronized (this) {
                leases--;
                close = retired && leases == 0;
            }
            if (close) {
                closeAndDelete();
            }
        }

        void closeAndDelete() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            OPEN.remove(this);
            try {
                engine.close();
            } catch (RuntimeException e) {
                // the JVM is going away or the engine already failed: nothing to keep
            }
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temp directory
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
