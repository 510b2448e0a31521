package io.kvkit.server.config;

/**
 * A "host:port" address as members, peers and seeds are written ("[v6]:port" for IPv6), parsed
 * once here so that every place reports a bad one the same way.
 */
public record HostPort(String host, int port) {

    /**
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static HostPort parse(String address) {
        if (address == null) {
            throw new IllegalArgumentException("an address is missing (expected host:port)");
        }
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
        return new HostPort(host, port);
    }
}
