package io.kvkit.bench.ycsb;

import io.kvkit.ycsb.RecordStore;
import io.kvkit.ycsb.RecordStoreDB;
import site.ycsb.DBException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Properties;

/** YCSB binding for LMDB through kvkit's binding code: {@code -db io.kvkit.bench.ycsb.LmdbYcsbDB -p kvkit.path=DIR}. */
public final class LmdbYcsbDB extends RecordStoreDB {
    @Override
    protected String storeIdentity(Properties p) throws DBException {
        return "lmdb:" + RocksDbYcsbDB.sizing(p).directory().toAbsolutePath().normalize();
    }

    @Override
    protected RecordStore openStore(Properties p) throws DBException {
        PeerStoreSizing s = RocksDbYcsbDB.sizing(p);
        try {
            Files.createDirectories(s.directory());
            return new LmdbRecordStore(s.directory(), s.expectedBytes());
        } catch (IOException | RuntimeException e) {
            throw new DBException("cannot open LMDB in " + s.directory() + ": " + e.getMessage(), e);
        }
    }
}
