package io.kvkit.ycsb;

import io.kvkit.client.PublicFakeCluster;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a benchmark runner reads about a cluster, and the empty table each load starts from. */
class KvkitClusterTest {

    @Test
    void probeLabelsTheClusterByItsSizeAndRecreateEmptiesTheTable() {
        try (PublicFakeCluster cluster = new PublicFakeCluster(3, 16, 3)) {
            Properties p = new Properties();
            p.setProperty(KvkitRemoteOptions.ENDPOINTS, cluster.endpoints().split(",")[1]); // any node will do
            p.setProperty(KvkitRemoteOptions.TABLE, "ycsb_lsm");
            assertThatThrownBy(() -> KvkitCluster.probe(p)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("table 'ycsb_lsm' does not exist");

            KvkitCluster c = KvkitCluster.recreateTable(p);
            assertThat(c.nodes()).isEqualTo(3);
            assertThat(c.partitions()).isEqualTo(16);
            assertThat(c.replicas()).isEqualTo(3);
            assertThat(c.table().engine()).isEqualTo("lsm");
            assertThat(c.label()).isEqualTo("kvkit 3-node (remote)");
            assertThat(c.setup()).contains("kvkit 3-node (remote)", "16 partitions × 3 replicas", "table 'ycsb_lsm' on lsm", "linearizable reads");

            byte[] key = RecordStoreDB.storedKey("usertable", "user1");
            cluster.load("ycsb_lsm", key, RecordCodec.encode(java.util.Map.of("f", new byte[] {1})));
            p.setProperty(KvkitRemoteOptions.ENGINE, "bplustree");
            KvkitCluster again = KvkitCluster.recreateTable(p);
            assertThat(again.table().engine()).as("recreated on the engine asked for").isEqualTo("bplustree");
            assertThat(cluster.valueOf("ycsb_lsm", key)).as("a load starts from an empty table").isNull();
            assertThat(KvkitCluster.probe(p).table().engine()).isEqualTo("bplustree");

            p.setProperty(KvkitRemoteOptions.TABLE, "default");
            assertThatThrownBy(() -> KvkitCluster.recreateTable(p)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'default' cannot be dropped", "kvkit.table=NAME");
        }
    }
}
