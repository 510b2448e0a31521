package io.kvkit.bench.store;

import java.util.Map;

/** A kind of store the runner can benchmark: its name, what it can do, how it is set up, and how to open it. */
public interface StoreKind {
    /** The name chosen on the command line ("rocksdb", "lsm", ...). */
    String name();

    /** "kvkit" for kvkit's own engines, "peer" for another project's store, "bound" for a reference point. */
    String family();

    /** Library and version, e.g. "rocksdbjni 10.10.1". */
    String version();

    /** Whether writes reach a file that survives the process (false for in-memory stores). */
    boolean durable();

    /** One sentence on what a write with and without sync guarantees in this store as configured. */
    String durability();

    /** Whether {@link BenchStore#seekAndRead} works. */
    boolean orderedScan();

    /** Whether {@link BenchStore#put} with sync=true makes the write durable (fillsync needs it). */
    boolean syncWrites();

    /** Every setting that differs from the library's defaults or matters for the figures, by name. */
    Map<String, String> settings(int keyBytes, int valueBytes, long expectedKeys);

    BenchStore open(StoreOptions options);
}
