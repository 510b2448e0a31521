package io.kvkit.server.node;

import java.net.InetSocketAddress;

/** The "host:port" addresses the cluster state records, as socket addresses. */
final class RaftAddresses {

    private RaftAddresses() {
    }

    /**
     * Parses "host:port" (an IPv6 host in brackets), as the configuration's members are (so that
     * an unchanged address compares equal).
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("address '" + address + "' is not host:port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address '" + address + "' has a port that is not a number (allowed: 1..65535)");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("address '" + address + "' has port " + port + " (allowed: 1..65535)");
        }
        return new InetSocketAddress(host, port);
    }
}
