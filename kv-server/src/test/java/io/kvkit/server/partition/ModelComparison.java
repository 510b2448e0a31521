package io.kvkit.server.partition;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.ScanResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Compares a replica's every table with the model: every key of the stream's key space, and a full scan where the engine orders. */
final class ModelComparison {
    private ModelComparison() {
    }

    static void assertSame(PartitionModel model, PartitionStateMachine m, String context) {
        assertThat(m.tables()).extracting(t -> t.getName()).as(context).containsExactlyInAnyOrderElementsOf(model.tables.keySet());
        for (Map.Entry<String, TreeMap<ByteString, ByteString>> t : model.tables.entrySet()) {
            for (int k = 0; k < CommandStream.KEYS; k++) {
                ByteString key = ByteString.copyFromUtf8(CommandStream.key(k));
                ByteString want = t.getValue().get(key);
                byte[] got = m.get(t.getKey(), key.toByteArray());
                assertThat(got == null ? null : ByteString.copyFrom(got)).as("%s: table %s key %s", context, t.getKey(), key.toStringUtf8())
                        .isEqualTo(want);
            }
            String engine = m.tables().stream().filter(i -> i.getName().equals(t.getKey())).findFirst().orElseThrow().getEngine();
            if (!engine.equals("hash")) {
                ScanResponse all = m.scan(t.getKey(), new byte[0], new byte[0], 10_000, false, false);
                List<String> got = new ArrayList<>();
                for (KeyValue kv : all.getEntriesList()) {
                    got.add(kv.getKey().toStringUtf8() + "=" + kv.getValue().toStringUtf8());
                }
                List<String> want = new ArrayList<>();
                t.getValue().forEach((k, v) -> want.add(k.toStringUtf8() + "=" + v.toStringUtf8()));
                assertThat(got).as("%s: scan of table %s", context, t.getKey()).isEqualTo(want);
            }
        }
    }
}
