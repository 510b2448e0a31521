package io.kvkit.ycsb;

import io.kvkit.client.Consistency;
import org.junit.jupiter.api.Test;
import site.ycsb.DBException;

import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every property of the remote binding: its default, and a clear refusal of each bad value. */
class KvkitRemoteOptionsTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaults() {
        KvkitRemoteOptions o = KvkitRemoteOptions.from(props(KvkitRemoteOptions.ENDPOINTS, "127.0.0.1:7101"));
        assertThat(o.endpoints()).containsExactly("127.0.0.1:7101");
        assertThat(o.table()).isEqualTo("default");
        assertThat(o.createTable()).isFalse();
        assertThat(o.engine()).as("no engine asked for: any existing table will do").isNull();
        assertThat(o.engineToCreate()).isEqualTo("lsm");
        assertThat(o.consistency()).isEqualTo(Consistency.LINEARIZABLE);
        assertThat(o.timeoutMillis()).isEqualTo(10_000);
        assertThat(o.connectionsPerNode()).isEqualTo(1);
        assertThat(o.updateAttempts()).isEqualTo(100);
    }

    @Test
    void everyPropertyIsRead() {
        KvkitRemoteOptions o = KvkitRemoteOptions.from(props(
                KvkitRemoteOptions.ENDPOINTS, " 10.0.0.1:7101 , [::1]:7102,node-3.example:7103",
                KvkitRemoteOptions.TABLE, "ycsb_1.a-b",
                KvkitRemoteOptions.CREATE_TABLE, "TRUE",
                KvkitRemoteOptions.ENGINE, "BPlusTree",
                "kvkit.option.blockSizeBytes", "8192",
                KvkitRemoteOptions.CONSISTENCY, "Follower",
                KvkitRemoteOptions.TIMEOUT_MS, "250",
                KvkitRemoteOptions.POOL, "4",
                KvkitRemoteOptions.UPDATE_ATTEMPTS, "7"));
        assertThat(o.endpoints()).containsExactly("10.0.0.1:7101", "[::1]:7102", "node-3.example:7103");
        assertThat(o.table()).isEqualTo("ycsb_1.a-b");
        assertThat(o.createTable()).isTrue();
        assertThat(o.engine()).isEqualTo("bplustree");
        assertThat(o.engineOptions()).isEqualTo(Map.of("blockSizeBytes", "8192"));
        assertThat(o.consistency()).isEqualTo(Consistency.FOLLOWER);
        assertThat(o.timeoutMillis()).isEqualTo(250);
        assertThat(o.connectionsPerNode()).isEqualTo(4);
        assertThat(o.updateAttempts()).isEqualTo(7);
        for (String c : List.of("linearizable", "lease", "follower", "stale")) {
            assertThat(KvkitRemoteOptions.from(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.CONSISTENCY, c)).consistency().name())
                    .isEqualToIgnoringCase(c);
        }
    }

    @Test
    void badValuesAreRefusedSayingWhatIsAllowed() {
        refused(props(), "kvkit.endpoints is not set", "host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "  "), "kvkit.endpoints is not set");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "localhost"), "'localhost' is not host:port", "1 to 65535");
        refused(props(KvkitRemoteOptions.ENDPOINTS, ":7101"), "':7101' is not host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:0"), "'h:0' is not host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:65536"), "'h:65536' is not host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:port"), "'h:port' is not host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1,,h:2"), "'' is not host:port", "separated by commas");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1;h:2"), "'h:1;h:2' is not host:port");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "::1:7101"), "'::1:7101' is not host:port", "[::1]:7101");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h 1:7101"), "'h 1:7101' is not host:port");

        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.TABLE, "user table"), "kvkit.table='user table'", "[A-Za-z0-9_.-]");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.TABLE, "x".repeat(129)), "1 to 128 characters");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.ENGINE, "rocksdb"), "kvkit.engine='rocksdb'", "lsm, hash, bplustree");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.CREATE_TABLE, "yes"), "kvkit.createtable='yes'", "true or false");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", "kvkit.option.x", "1"), "kvkit.option.x", "kvkit.createtable=true");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.CREATE_TABLE, "true", "kvkit.option.", "1"), "names no engine option");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.CONSISTENCY, "strong"), "kvkit.consistency='strong'",
                "linearizable, lease, follower or stale");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.TIMEOUT_MS, "0"), "kvkit.timeout.ms=0 is out of range", "from 1 to 3600000");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.TIMEOUT_MS, "5s"), "kvkit.timeout.ms='5s' is not a whole number");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.POOL, "0"), "kvkit.pool=0", "from 1 to 64");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.POOL, "65"), "kvkit.pool=65");
        refused(props(KvkitRemoteOptions.ENDPOINTS, "h:1", KvkitRemoteOptions.UPDATE_ATTEMPTS, "0"), "kvkit.update.attempts=0");
    }

    @Test
    void initRefusesBadPropertiesWithTheSameMessageBeforeConnecting() {
        KvkitRemoteDB db = new KvkitRemoteDB();
        db.setProperties(props(KvkitRemoteOptions.ENDPOINTS, "127.0.0.1"));
        assertThatThrownBy(db::init).isInstanceOf(DBException.class).hasMessageContaining("'127.0.0.1' is not host:port");
        db.setProperties(props());
        assertThatThrownBy(db::init).isInstanceOf(DBException.class).hasMessageContaining("kvkit.endpoints is not set");
    }

    private static void refused(Properties p, String... fragments) {
        assertThatThrownBy(() -> KvkitRemoteOptions.from(p)).isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }
}
