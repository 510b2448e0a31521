package io.kvkit.server.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Free TCP ports on 127.0.0.1 for the nodes of a local cluster. Ports are drawn from
 * 10000..31999, below Linux's ephemeral range (32768 and up): a port from that range can be
 * taken, between this check and the node's bind, as the local port of some outgoing connection
 * (the nodes' own connections to each other, for one). A node restarted later keeps its ports,
 * so they must be fixed numbers, not port 0.
 */
final class LoopbackPorts {
    static final int LOWEST = 10_000;
    static final int HIGHEST = 31_999;
    private static final int ATTEMPTS = 2_000;

    private LoopbackPorts() {
    }

    /** {@code count} distinct ports that are free now and not in {@code avoid}. */
    static List<Integer> pick(int count, Random random, Set<Integer> avoid) throws IOException {
        Set<Integer> chosen = new HashSet<>();
        List<Integer> out = new ArrayList<>(count);
        int attempts = 0;
        while (out.size() < count) {
            if (++attempts > ATTEMPTS) {
                throw new IOException("no " + count + " free ports found in " + LOWEST + ".." + HIGHEST + " on 127.0.0.1 after "
                        + ATTEMPTS + " attempts (" + out.size() + " found)");
            }
            int port = LOWEST + random.nextInt(HIGHEST - LOWEST + 1);
            if (avoid.contains(port) || chosen.contains(port) || !isFree(port)) {
                continue;
            }
            chosen.add(port);
            out.add(port);
        }
        return out;
    }

    static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }
}
