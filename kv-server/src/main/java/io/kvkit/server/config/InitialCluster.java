package io.kvkit.server.config;

import io.kvkit.server.config.NodeConfig.Member;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and checks {@code initial-cluster}: either a YAML list of maps
 * {@code {id, host, raft-port, client-port, admin-port, resp-port}} (the last two optional, 0 =
 * not served), or the flag form {@code 1=10.0.0.11:7001:7101[:admin[:resp]],2=...} (also
 * accepted as a YAML string or as list items). IPv6 hosts go in brackets: {@code [::1]:7001:7101}.
 */
final class InitialCluster {
    static final String KEY = ConfigKey.INITIAL_CLUSTER.key();
    static final String FORM = "ID=HOST:RAFT_PORT:CLIENT_PORT[:ADMIN_PORT[:RESP_PORT]] separated by commas, or a YAML list of "
            + "maps with id, host, raft-port, client-port and optionally admin-port, resp-port";
    private static final Set<String> FIELDS = Set.of("id", "host", "raft-port", "client-port", "admin-port", "resp-port");

    private InitialCluster() {
    }

    static List<Member> parse(RawValue raw) {
        List<Member> members = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        if (raw.isMap()) {
            throw raw.error(KEY, "must be a list of members, got a map", FORM);
        }
        if (raw.isText()) {
            String text = raw.text(KEY, FORM);
            for (String item : text.split(",")) {
                members.add(fromText(raw, item.trim()));
                origins.add(raw.origin());
            }
        } else {
            for (RawValue item : raw.list()) {
                if (item.isMap()) {
                    members.add(fromMap(item));
                } else if (item.isText()) {
                    members.add(fromText(item, item.text(KEY, FORM)));
                } else {
                    throw item.error(KEY, "has a list inside the list of members", FORM);
                }
                origins.add(item.origin());
            }
        }
        if (members.isEmpty()) {
            throw raw.error(KEY, "lists no members", FORM);
        }
        check(members, origins);
        return members;
    }

    private static Member fromMap(RawValue item) {
        Map<String, RawValue> fields = item.map();
        for (String f : fields.keySet()) {
            if (!FIELDS.contains(f)) {
                throw item.error(KEY, "member has an unknown field '" + f + "'", "id, host, raft-port, client-port, admin-port, resp-port");
            }
        }
        for (String required : List.of("id", "host", "raft-port", "client-port")) {
            if (!fields.containsKey(required)) {
                throw item.error(KEY, "member is missing '" + required + "'", "id, host, raft-port, client-port (required), admin-port, resp-port");
            }
        }
        long id = fields.get("id").longIn(KEY + ".id", 1, Long.MAX_VALUE);
        String host = fields.get("host").text(KEY + ".host", "a host name or IP address");
        int raft = fields.get("raft-port").intIn(KEY + ".raft-port", 0, 65535);
        int client = fields.get("client-port").intIn(KEY + ".client-port", 0, 65535);
        int admin = fields.containsKey("admin-port") ? fields.get("admin-port").intIn(KEY + ".admin-port", 0, 65535) : 0;
        int resp = fields.containsKey("resp-port") ? fields.get("resp-port").intIn(KEY + ".resp-port", 0, 65535) : 0;
        return new Member(id, host, raft, client, admin, resp);
    }

    private static Member fromText(RawValue raw, String item) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
            throw raw.error(KEY, "member '" + item + "' has no ID=", FORM);
        }
        long id;
        try {
            id = Long.parseLong(item.substring(0, eq).trim());
        } catch (NumberFormatException e) {
            throw raw.error(KEY, "member '" + item + "': id '" + item.substring(0, eq).trim() + "' is not an integer", FORM);
        }
        if (id < 1) {
            throw raw.error(KEY, "member '" + item + "': id " + id + " is out of range", "ids > 0; " + FORM);
        }
        String rest = item.substring(eq + 1).trim();
        String host;
        String ports;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw raw.error(KEY, "member '" + item + "': bad bracketed host", FORM);
            }
            host = rest.substring(1, close);
            ports = rest.substring(close + 2);
        } else {
            int colon = rest.indexOf(':');
            if (colon <= 0) {
                throw raw.error(KEY, "member '" + item + "' has no HOST:RAFT_PORT:CLIENT_PORT", FORM);
            }
            host = rest.substring(0, colon);
            ports = rest.substring(colon + 1);
        }
        String[] p = ports.split(":", -1);
        if (p.length < 2 || p.length > 4) {
            throw raw.error(KEY, "member '" + item + "' has " + p.length + " port(s)", "2 to 4 ports; " + FORM);
        }
        String[] names = {"raft port", "client port", "admin port", "resp port"};
        int[] values = new int[4];
        for (int i = 0; i < p.length; i++) {
            try {
                values[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw raw.error(KEY, "member '" + item + "': " + names[i] + " '" + p[i] + "' is not a number", "ports 0..65535; " + FORM);
            }
            if (values[i] < 0 || values[i] > 65535) {
                throw raw.error(KEY, "member '" + item + "': " + names[i] + " " + values[i] + " is out of range", "ports 0..65535");
            }
        }
        if (host.isBlank()) {
            throw raw.error(KEY, "member '" + item + "' has an empty host", FORM);
        }
        return new Member(id, host, values[0], values[1], values[2], values[3]);
    }

    /** Unique ids; no host:port used twice; raft and client ports set (0 only in a one-member cluster, for tests). */
    private static void check(List<Member> members, List<String> origins) {
        Map<Long, Integer> ids = new HashMap<>();
        Map<String, String> addresses = new HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            String origin = origins.get(i);
            Integer earlier = ids.put(m.id(), i);
            if (earlier != null) {
                throw new ConfigException(KEY, origin + ": " + KEY + " lists id " + m.id() + " twice; allowed: each id once");
            }
            if (members.size() > 1 && (m.raftPort() == 0 || m.clientPort() == 0)) {
                throw new ConfigException(KEY, origin + ": " + KEY + " member " + m.id() + " has raft port " + m.raftPort()
                        + " and client port " + m.clientPort() + "; allowed: 1..65535 (0, an ephemeral port, only in a one-member cluster)");
            }
            String[] kinds = {"raft-port", "client-port", "admin-port", "resp-port"};
            int[] ports = {m.raftPort(), m.clientPort(), m.adminPort(), m.respPort()};
            for (int k = 0; k < ports.length; k++) {
                if (ports[k] == 0) {
                    continue;
                }
                String address = hostKey(m.host()) + ":" + ports[k];
                String use = "member " + m.id() + " " + kinds[k];
                String other = addresses.putIfAbsent(address, use);
                if (other != null) {
                    throw new ConfigException(KEY, origin + ": " + KEY + " uses " + m.host() + ":" + ports[k] + " twice (" + other
                            + " and " + use + "); allowed: every raft, client, admin and resp port of a host distinct");
                }
            }
        }
    }

    private static String hostKey(String host) {
        return host.toLowerCase(java.util.Locale.ROOT);
    }

    /** The flag form of {@code members}, which {@link #parse} reads back. */
    static String toText(List<Member> members) {
        StringBuilder sb = new StringBuilder();
        for (Member m : members) {
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            String host = m.host().contains(":") ? "[" + m.host() + "]" : m.host();
            sb.append(m.id()).append('=').append(host).append(':').append(m.raftPort()).append(':').append(m.clientPort());
            if (m.adminPort() != 0 || m.respPort() != 0) {
                sb.append(':').append(m.adminPort());
            }
            if (m.respPort() != 0) {
                sb.append(':').append(m.respPort());
            }
        }
        return sb.toString();
    }
}
