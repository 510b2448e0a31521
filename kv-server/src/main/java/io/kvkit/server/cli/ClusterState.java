package io.kvkit.server.cli;

import io.kvkit.server.config.NodeConfigWriter;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state file {@code cluster.json} of a local cluster: which node processes it started, so
 * that a later {@code kv cluster status|stop} and {@code kv cli} find them. Written by hand as
 * JSON (kv-server has no JSON library) and read back with snakeyaml's safe loader (JSON is YAML).
 *
 * <p>A pid alone does not identify a process (pids are reused), so each node also records its
 * start time as the OS reports it; a process with that pid and another start time is not ours.
 *
 * @param format             1
 * @param partitions         Q of the cluster
 * @param replicationFactor  R
 * @param engine             engine of the default table
 * @param nodes              the nodes in id order
 */
public record ClusterState(int format, int partitions, int replicationFactor, String engine, List<Node> nodes) {

    public static final String FILE_NAME = "cluster.json";
    public static final int FORMAT = 1;

    /**
     * One node process.
     *
     * @param pid           its process id, 0 when not running
     * @param startedMillis its start time (epoch millis, as the OS reports it), 0 when unknown or not running
     */
    public record Node(long id, long pid, long startedMillis, String host, int raftPort, int clientPort, int adminPort,
                       int respPort, Path dataDir, Path config, Path log) {
        public String clientAddress() {
            return host + ":" + clientPort;
        }
    }

    public ClusterState {
        nodes = List.copyOf(nodes);
    }

    public List<String> clientAddresses() {
        return nodes.stream().map(Node::clientAddress).toList();
    }

    public String toJson() {
        StringBuilder j = new StringBuilder();
        j.append("{\n  \"format\": ").append(format)
                .append(",\n  \"partitions\": ").append(partitions)
                .append(",\n  \"replicationFactor\": ").append(replicationFactor)
                .append(",\n  \"engine\": ").append(NodeConfigWriter.quote(engine))
                .append(",\n  \"nodes\": [");
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            j.append(i == 0 ? "\n" : ",\n");
            j.append("    {\"id\": ").append(n.id()).append(", \"pid\": ").append(n.pid())
                    .append(", \"startedMillis\": ").append(n.startedMillis())
                    .append(", \"host\": ").append(NodeConfigWriter.quote(n.host()))
                    .append(", \"raftPort\": ").append(n.raftPort()).append(", \"clientPort\": ").append(n.clientPort())
                    .append(", \"adminPort\": ").append(n.adminPort()).append(", \"respPort\": ").append(n.respPort())
                    .append(",\n     \"dataDir\": ").append(NodeConfigWriter.quote(n.dataDir().toString()))
                    .append(", \"config\": ").append(NodeConfigWriter.quote(n.config().toString()))
                    .append(", \"log\": ").append(NodeConfigWriter.quote(n.log().toString())).append('}');
        }
        return j.append("\n  ]\n}\n").toString();
    }

    /** Writes {@code dir/cluster.json} atomically (a reader never sees half a file). */
    public void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE_NAME));
    }

    /** Reads {@code dir/cluster.json}; a missing, unreadable or malformed file is an IOException saying which and why. */
    public static ClusterState read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            if (!(root instanceof Map<?, ?> m)) {
                throw new IOException(file + " is not a cluster state file (no JSON object)");
            }
            int format = (int) number(m, "format", file);
            if (format != FORMAT) {
                throw new IOException(file + " has format " + format + "; this kvkit reads format " + FORMAT);
            }
            List<Node> nodes = new ArrayList<>();
            if (!(m.get("nodes") instanceof List<?> list)) {
                throw new IOException(file + " has no \"nodes\" list");
            }
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> n)) {
                    throw new IOException(file + ": a node entry is not an object");
                }
                nodes.add(new Node(number(n, "id", file), number(n, "pid", file), number(n, "startedMillis", file), string(n, "host", file),
                        (int) number(n, "raftPort", file), (int) number(n, "clientPort", file), (int) number(n, "adminPort", file),
                        (int) number(n, "respPort", file), Path.of(string(n, "dataDir", file)), Path.of(string(n, "config", file)),
                        Path.of(string(n, "log", file))));
            }
            return new ClusterState(format, (int) number(m, "partitions", file), (int) number(m, "replicationFactor", file),
                    string(m, "engine", file), nodes);
        } catch (YAMLException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static long number(Map<?, ?> m, String key, Path file) throws IOException {
        if (m.get(key) instanceof Number n) {
            return n.longValue();
        }
        throw new IOException(file + ": \"" + key + "\" is missing or not a number (got " + m.get(key) + ")");
    }

    private static String string(Map<?, ?> m, String key, Path file) throws IOException {
        if (m.get(key) instanceof String s) {
            return s;
        }
        throw new IOException(file + ": \"" + key + "\" is missing or not a string (got " + m.get(key) + ")");
    }
}
