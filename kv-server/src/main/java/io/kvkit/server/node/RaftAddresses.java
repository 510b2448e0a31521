package io.kvkit.server.node;

import io.kvkit.server.config.HostPort;

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
        HostPort hp = HostPort.parse(address);
        return new InetSocketAddress(hp.host(), hp.port());
    }
}
