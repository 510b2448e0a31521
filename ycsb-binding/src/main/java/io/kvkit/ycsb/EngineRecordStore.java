package io.kvkit.ycsb;

import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.UnsupportedFeatureException;
import io.kvkit.engine.api.WriteOptions;

import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * A kvkit engine as a {@link RecordStore}. Engines are safe for concurrent readers and writers,
 * but the SPI has no compare-and-set, so writes of one key go through a {@link KeyLockStripes}
 * stripe: a partial update reads, merges and writes under it, and puts and deletes of the same
 * key wait for it. Reads and scans take no lock.
 */
public final class EngineRecordStore implements RecordStore {
    private final StorageEngine engine;
    private final String description;
    private final WriteOptions writeOptions;
    private final KeyLockStripes locks;
    private final Optional<String> scanUnsupported;

    /** Takes ownership of {@code engine}: {@link #close} closes it. */
    public EngineRecordStore(StorageEngine engine, String description, boolean syncWrites, int lockStripes) {
        this.engine = engine;
        this.description = description;
        this.writeOptions = syncWrites ? WriteOptions.SYNC : WriteOptions.DEFAULT;
        this.locks = new KeyLockStripes(lockStripes);
        this.scanUnsupported = engine.capabilities().orderedScan()
                ? Optional.empty()
                : Optional.of("scan needs an ordered engine: " + UnsupportedFeatureException.orderedScan(engine.name()).getMessage());
    }

    /** The engine underneath (for tests and tools). */
    public StorageEngine engine() {
        return engine;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public byte[] get(byte[] key) {
        return engine.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) {
        synchronized (locks.lockFor(key)) {
            engine.put(writeOptions, key, value);
        }
    }

    @Override
    public void delete(byte[] key) {
        synchronized (locks.lockFor(key)) {
            engine.delete(writeOptions, key);
        }
    }

    @Override
    public boolean update(byte[] key, UnaryOperator<byte[]> change) {
        synchronized (locks.lockFor(key)) {
            byte[] old = engine.get(key);
            if (old == null) {
                return false;
            }
            engine.put(writeOptions, key, change.apply(old));
            return true;
        }
    }

    @Override
    public void scan(byte[] startKey, byte[] endKey, int limit, BiConsumer<byte[], byte[]> sink) {
        if (scanUnsupported.isPresent()) {
            throw new UnsupportedOperationException(scanUnsupported.get());
        }
        try (Cursor c = engine.scan(ReadOptions.DEFAULT, KeyRange.of(startKey, endKey))) {
            for (int n = 0; n < limit && c.next(); n++) {
                sink.accept(c.key(), c.value());
            }
        }
    }

    @Override
    public Optional<String> scanUnsupportedReason() {
        return scanUnsupported;
    }

    @Override
    public void close() {
        engine.close();
    }
}
