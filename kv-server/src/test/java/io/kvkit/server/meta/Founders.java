package io.kvkit.server.meta;

import io.kvkit.server.config.NodeConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Founding members and states for the meta tests. */
final class Founders {
    private Founders() {
    }

    /** Members 1..n on 127.0.0.1 with distinct ports: raft 7000+i, client 8000+i, admin 9000+i, no RESP. */
    static List<NodeConfig.Member> members(int n) {
        List<NodeConfig.Member> m = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            m.add(new NodeConfig.Member(i, "127.0.0.1", 7000 + i, 8000 + i, 9000 + i, 0));
        }
        return m;
    }

    /** 5 members, Q 64, R 3, meta 3, lsm with no options. */
    static ClusterState fiveNodes() {
        return ClusterBootstrap.initialState(members(5), 64, 3, 3, "lsm", Map.of());
    }
}
