package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.RecordStore;
import io.kvkit.ycsb.RecordStoreDB;
import site.ycsb.DBException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Properties;

/** YCSB binding for RocksDB through kvkit's binding code: {@code -db io.kvkit.bench.ycsb.RocksDbYcsbDB -p kvkit.path=DIR}. */
public final class RocksDbYcsbDB extends RecordStoreDB {
    @Override
    protected String storeIdentity(Properties p) throws DBException {
        return "rocksdb:" + sizing(p).directory().toAbsolutePath().normalize();
    }

    @Override
    protected RecordStore openStore(Properties p) throws DBException {
        PeerStoreSizing s = sizing(p);
        try {
            Files.createDirectories(s.directory());
            return new RocksDbRecordStore(s.directory());
        } catch (IOException | RuntimeException e) {
            throw new DBException("cannot open RocksDB in " + s.directory() + ": " + e.getMessage(), e);
        }
    }

    static PeerStoreSizing sizing(Properties p) throws DBException {
        try {
            return PeerStoreSizing.from(p);
        } catch (IllegalArgumentException e) {
            throw new DBException(e.getMessage(), e);
        }
    }
}
