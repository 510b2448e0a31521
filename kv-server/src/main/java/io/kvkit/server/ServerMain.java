package io.kvkit.server;

import io.kvkit.server.config.ConfigException;
import io.kvkit.server.config.ConfigKey;
import io.kvkit.server.config.NodeConfig;
import io.kvkit.server.config.NodeConfigLoader;
import io.kvkit.server.node.KvNode;
import io.kvkit.server.node.NodeStartException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The node process: {@code kv server --config node.yaml [--<key> value]...}.
 *
 * <p>Loads the configuration (flags over the file, see {@link NodeConfigLoader}), checks the data
 * directory and ports, starts a {@link KvNode}, prints exactly one line
 * {@code READY node=<id> client=<host:port> raft=<host:port>} on stdout once the node serves,
 * and runs until SIGTERM or SIGINT, which close the node cleanly (a shutdown hook) and end the
 * process with status 0.
 *
 * <p>Exit status: 0 after a clean stop; 2 for a configuration the node cannot use (the message,
 * no stack trace, on stderr; also for bad flags); 3 when the node cannot start for a reason the
 * operator must fix ({@link NodeStartException}); 1 for anything else (a bug: stack trace).
 */
@Command(name = "kv server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs one kvkit node. Settings come from --config FILE (YAML, keys as the flags below without --)",
                "and from flags, which override the file. Prints READY node=<id> client=<host:port> raft=<host:port>",
                "once the node serves; SIGTERM or SIGINT stop it cleanly."},
        footer = {"", "Exit status: 0 stopped cleanly, 2 configuration error, 3 the node could not start, 1 internal error."})
public final class ServerMain implements Callable<Integer> {

    public static final int EXIT_CONFIG = 2;
    public static final int EXIT_START = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "the node's YAML configuration file")
    Path configFile;

    @Option(names = "--check", description = "check the configuration, the data directory and the ports, print the result, and exit")
    boolean checkOnly;

    /** The command line of the node process, with one option per {@link ConfigKey}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ServerMain());
        CommandSpec spec = cl.getCommandSpec();
        for (ConfigKey k : ConfigKey.values()) {
            OptionSpec.Builder option = OptionSpec.builder("--" + k.key()).paramLabel(k.paramLabel()).description(k.description())
                    .type(String.class);
            if (k.isBoolean()) {
                option.arity("0..1").fallbackValue("true");   // --sync-writes alone means true
            }
            spec.addOption(option.build());
        }
        return cl;
    }

    public static void main(String[] args) {
        int status = commandLine().execute(args);
        System.exit(status);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NodeConfig config;
        try {
            config = NodeConfigLoader.load(configFile, overrides(spec.commandLine().getParseResult()));
            NodeConfigLoader.checkLocalResources(config);
        } catch (ConfigException e) {
            err.println("kv server: configuration error: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        if (checkOnly) {
            out.println("configuration OK: node " + config.nodeId() + " of " + config.initialCluster().size() + " members, data-dir "
                    + config.dataDir() + ", listen-host " + config.listenHost() + ", ports free");
            out.flush();
            return 0;
        }
        KvNode node;
        try {
            node = KvNode.start(config);
        } catch (NodeStartException e) {
            err.println("kv server: node " + config.nodeId() + " could not start: " + e.getMessage());
            err.flush();
            return EXIT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopOnSignal(node, config.nodeId(), out), "kvkit-shutdown"));
        out.println(readyLine(config, node.clientAddress()));
        out.flush();
        node.awaitClosed();
        return 0;
    }

    /**
     * The shutdown hook: closes the node (it syncs and releases everything), then ends the
     * process with status 0. Without the {@code halt}, a JVM stopped by a signal exits with
     * 128 + the signal number, and a service manager counts a requested stop as a failure.
     * Nothing else of the node process registers a hook, so nothing is cut short.
     */
    private static void stopOnSignal(KvNode node, long nodeId, PrintWriter out) {
        node.close();
        try {
            node.awaitClosed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println("STOPPED node=" + nodeId);
        out.flush();
        Runtime.getRuntime().halt(0);
    }

    static String readyLine(NodeConfig config, InetSocketAddress client) {
        return "READY node=" + config.nodeId() + " client=" + hostPort(client.getHostString(), client.getPort())
                + " raft=" + hostPort(config.listenHost(), config.self().raftPort());
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Every setting flag given on the command line, by key; flags not given leave the file's value. */
    static Map<String, String> overrides(ParseResult parsed) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.values()) {
            OptionSpec option = parsed.matchedOption("--" + k.key());
            if (option != null) {
                overrides.put(k.key(), option.getValue());
            }
        }
        return overrides;
    }
}
