package io.kvkit.server.node;

import io.kvkit.ycsb.KvkitRemoteDB;
import io.kvkit.ycsb.KvkitRemoteOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The remote YCSB binding against real nodes (3 in this JVM): YCSB's five operations end to end. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeYcsbTest {

    @TempDir
    Path dir;

    @Test
    void theRemoteBindingReadsWritesUpdatesScansAndDeletesThroughTheCluster() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, 4, 3, 3, "lsm").startAll()) {
            Properties p = new Properties();
            p.setProperty(KvkitRemoteOptions.ENDPOINTS, String.join(",", cluster.clientAddresses()));
            p.setProperty(KvkitRemoteOptions.TABLE, "usertable");
            p.setProperty(KvkitRemoteOptions.CREATE_TABLE, "true");
            p.setProperty(KvkitRemoteOptions.ENGINE, "bplustree");
            KvkitRemoteDB db = new KvkitRemoteDB();
            db.setProperties(p);
            db.init();
            try {
                for (int i = 0; i < 100; i++) {
                    Map<String, ByteIterator> fields = new LinkedHashMap<>();
                    fields.put("field0", new StringByteIterator("a" + i));
                    fields.put("field1", new StringByteIterator("b" + i));
                    assertThat(db.insert("usertable", String.format("user%03d", i), fields)).isEqualTo(Status.OK);
                }
                Map<String, ByteIterator> read = new HashMap<>();
                assertThat(db.read("usertable", "user042", Set.of("field1"), read)).isEqualTo(Status.OK);
                assertThat(read.get("field1").toString()).isEqualTo("b42");

                assertThat(db.update("usertable", "user042", Map.of("field0", new StringByteIterator("changed")))).isEqualTo(Status.OK);
                read.clear();
                assertThat(db.read("usertable", "user042", null, read)).isEqualTo(Status.OK);
                assertThat(read.get("field0").toString()).isEqualTo("changed");
                assertThat(read.get("field1").toString()).as("an update keeps the other fields").isEqualTo("b42");

                Vector<HashMap<String, ByteIterator>> page = new Vector<>();
                assertThat(db.scan("usertable", "user010", 5, null, page)).isEqualTo(Status.OK);
                assertThat(page).hasSize(5);
                assertThat(page.get(0).get("field0").toString()).as("scans go in key order across partitions").isEqualTo("a10");
                assertThat(page.get(4).get("field0").toString()).isEqualTo("a14");

                assertThat(db.delete("usertable", "user042")).isEqualTo(Status.OK);
                assertThat(db.read("usertable", "user042", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
            } finally {
                db.cleanup();
            }
        }
    }
}
