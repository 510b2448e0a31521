package io.kvkit.ycsb;

import io.kvkit.client.KvException;
import site.ycsb.DBException;

import java.util.Properties;

/**
 * The YCSB binding for a kvkit cluster, through kv-client:
 * {@code -db io.kvkit.ycsb.KvkitRemoteDB -p kvkit.endpoints=127.0.0.1:7101,127.0.0.1:7102}.
 * Every client thread of the JVM shares one {@link io.kvkit.client.KvClient} (opened by the first
 * thread's {@code init()}, closed by the last thread's {@code cleanup()}); records, keys and
 * statuses are {@link RecordStoreDB}'s, as for the embedded binding; the store is a
 * {@link ClientRecordStore}. Properties: {@link KvkitRemoteOptions}.
 *
 * <p>Constructible from plain {@link Properties} for tests and tools:
 * {@code db.setProperties(p); db.init(); ... db.cleanup();}.
 */
public class KvkitRemoteDB extends RecordStoreDB {

    @Override
    protected String storeIdentity(Properties properties) throws DBException {
        KvkitRemoteOptions o = options(properties);
        // everything that shapes the client or the table view: threads that agree on these share one client
        return "kvkit-remote:" + String.join(",", o.endpoints()) + "/" + o.table() + "?consistency=" + o.consistency()
                + "&timeoutMs=" + o.timeoutMillis() + "&pool=" + o.connectionsPerNode() + "&updateAttempts=" + o.updateAttempts();
    }

    @Override
    protected RecordStore openStore(Properties properties) throws DBException {
        KvkitRemoteOptions o = options(properties);
        try {
            return ClientRecordStore.open(o);
        } catch (IllegalArgumentException e) {
            throw new DBException(e.getMessage(), e);
        } catch (KvException e) {
            throw new DBException("cannot use the kvkit cluster at " + KvkitRemoteOptions.ENDPOINTS + "=" + String.join(",", o.endpoints())
                    + " (table '" + o.table() + "', " + KvkitRemoteOptions.TIMEOUT_MS + "=" + o.timeoutMillis() + "): " + e.getMessage(), e);
        }
    }

    /** The store of this client thread: a {@link ClientRecordStore} once {@code init()} succeeded (for tests and tools). */
    public ClientRecordStore clientStore() {
        return (ClientRecordStore) store();
    }

    private static KvkitRemoteOptions options(Properties properties) throws DBException {
        try {
            return KvkitRemoteOptions.from(properties);
        } catch (IllegalArgumentException e) {
            throw new DBException(e.getMessage(), e);
        }
    }
}
