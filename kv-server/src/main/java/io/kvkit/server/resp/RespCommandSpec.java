package io.kvkit.server.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A command the endpoint knows, described as Redis's COMMAND describes it: arity (positive:
 * exactly that many words counting the name; negative: at least that many), flags, and where the
 * keys are (first, last (-1: the last argument), step). The same table checks arity and answers
 * COMMAND, COMMAND COUNT and COMMAND INFO.
 */
record RespCommandSpec(String name, int arity, List<String> flags, int firstKey, int lastKey, int step) {

    static final Map<String, RespCommandSpec> ALL = table();

    boolean arityAccepts(int words) {
        return arity >= 0 ? words == arity : words >= -arity;
    }

    RespReply info() {
        List<RespReply> f = new ArrayList<>();
        flags.forEach(x -> f.add(new RespReply.Simple(x)));
        return new RespReply.Array(List.of(RespReply.Bulk.of(name), new RespReply.Int(arity), new RespReply.Array(f),
                new RespReply.Int(firstKey), new RespReply.Int(lastKey), new RespReply.Int(step)));
    }

    private static Map<String, RespCommandSpec> table() {
        Map<String, RespCommandSpec> m = new TreeMap<>();
        List<String> r = List.of("readonly", "fast");
        List<String> w = List.of("write", "denyoom");
        List<String> wf = List.of("write", "denyoom", "fast");
        List<String> c = List.of("loading", "stale", "fast");
        add(m, "ping", -1, List.of("fast", "stale"), 0, 0, 0);
        add(m, "echo", 2, List.of("fast", "stale"), 0, 0, 0);
        add(m, "get", 2, r, 1, 1, 1);
        add(m, "set", -3, w, 1, 1, 1);
        add(m, "del", -2, List.of("write"), 1, -1, 1);
        add(m, "exists", -2, r, 1, -1, 1);
        add(m, "mget", -2, r, 1, -1, 1);
        add(m, "mset", -3, w, 1, -1, 2);
        add(m, "incr", 2, wf, 1, 1, 1);
        add(m, "incrby", 3, wf, 1, 1, 1);
        add(m, "decr", 2, wf, 1, 1, 1);
        add(m, "decrby", 3, wf, 1, 1, 1);
        add(m, "setnx", 3, wf, 1, 1, 1);
        add(m, "getset", 3, wf, 1, 1, 1);
        add(m, "strlen", 2, r, 1, 1, 1);
        add(m, "append", 3, wf, 1, 1, 1);
        add(m, "scan", -2, List.of("readonly"), 0, 0, 0);
        add(m, "dbsize", 1, List.of("readonly"), 0, 0, 0);
        add(m, "info", -1, List.of("loading", "stale"), 0, 0, 0);
        add(m, "command", -1, List.of("loading", "stale"), 0, 0, 0);
        add(m, "client", -2, List.of("loading", "stale"), 0, 0, 0);
        add(m, "config", -2, List.of("admin", "noscript", "loading", "stale"), 0, 0, 0);
        add(m, "hello", -1, List.of("noscript", "loading", "stale", "fast"), 0, 0, 0);
        add(m, "select", 2, c, 0, 0, 0);
        add(m, "quit", -1, List.of("loading", "stale", "fast"), 0, 0, 0);
        return java.util.Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, RespCommandSpec> m, String name, int arity, List<String> flags, int first, int last, int step) {
        m.put(name, new RespCommandSpec(name, arity, flags, first, last, step));
    }
}
