package io.kvkit.ycsb;

import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;
import site.ycsb.DBException;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Properties;

/**
 * The YCSB binding for a kvkit engine in the client's own JVM:
 * {@code -db io.kvkit.ycsb.KvkitEmbeddedDB -p kvkit.engine=lsm -p kvkit.path=/tmp/ycsb-lsm}.
 * Every client thread of the JVM shares one engine instance (opened by the first thread, closed
 * by the last). Properties: {@link KvkitBindingOptions}.
 */
public class KvkitEmbeddedDB extends RecordStoreDB {

    @Override
    protected String storeIdentity(Properties properties) throws DBException {
        KvkitBindingOptions o = options(properties);
        return "kvkit:" + o.engine() + ":" + o.path().toAbsolutePath().normalize();
    }

    @Override
    protected RecordStore openStore(Properties properties) throws DBException {
        KvkitBindingOptions o = options(properties);
        try {
            Files.createDirectories(o.path());
        } catch (IOException e) {
            throw new DBException("cannot create " + KvkitBindingOptions.PATH + " directory " + o.path() + ": " + e, e);
        }
        StorageEngine engine;
        try {
            engine = StorageEngines.open(o.engine(), EngineConfig.fromMap(o.path(), o.engineOptions()));
        } catch (RuntimeException e) {
            throw new DBException("cannot open kvkit engine '" + o.engine() + "' in " + o.path() + ": " + e.getMessage(), e);
        }
        return new EngineRecordStore(engine, "kvkit " + o.engine() + " engine in " + o.path() + (o.syncWrites() ? " (sync writes)" : ""),
                o.syncWrites(), o.lockStripes());
    }

    private static KvkitBindingOptions options(Properties properties) throws DBException {
        try {
            return KvkitBindingOptions.from(properties);
        } catch (IllegalArgumentException e) {
            throw new DBException(e.getMessage(), e);
        }
    }
}
