package io.kvkit.ring;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A member of the ring.
 *
 * @param id      the node's identity, unique in the ring, 0 or more
 * @param address where the node listens ("host:port"), at most 1024 UTF-8 bytes
 * @param zone    failure domain (rack, availability zone), at most 256 UTF-8 bytes; "" when
 *                zones are not used
 * @param weight  relative capacity, {@value #MIN_WEIGHT}..{@value #MAX_WEIGHT}; a node of weight
 *                200 is meant to hold twice the replicas of a node of weight
 *                {@value #STANDARD_WEIGHT}
 * @param state   UP or DOWN
 */
public record RingNode(int id, String address, String zone, int weight, NodeState state) {
    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 10_000;
    public static final int STANDARD_WEIGHT = 100;
    static final int MAX_ADDRESS_BYTES = 1024;
    static final int MAX_ZONE_BYTES = 256;

    public RingNode {
        if (id < 0) {
            throw new IllegalArgumentException("node id must be >= 0, got " + id);
        }
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(zone, "zone (use \"\" when zones are not used)");
        Objects.requireNonNull(state, "state");
        if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("node " + id + ": weight must be in [" + MIN_WEIGHT + ", "
                    + MAX_WEIGHT + "] (" + STANDARD_WEIGHT + " = a standard node), got " + weight);
        }
        if (address.getBytes(StandardCharsets.UTF_8).length > MAX_ADDRESS_BYTES) {
            throw new IllegalArgumentException("node " + id + ": address longer than " + MAX_ADDRESS_BYTES + " UTF-8 bytes");
        }
        if (zone.getBytes(StandardCharsets.UTF_8).length > MAX_ZONE_BYTES) {
            throw new IllegalArgumentException("node " + id + ": zone longer than " + MAX_ZONE_BYTES + " UTF-8 bytes");
        }
    }

    /** An UP node of standard weight in no zone. */
    public static RingNode of(int id, String address) {
        return new RingNode(id, address, "", STANDARD_WEIGHT, NodeState.UP);
    }

    /** An UP node of standard weight in a zone. */
    public static RingNode of(int id, String address, String zone) {
        return new RingNode(id, address, zone, STANDARD_WEIGHT, NodeState.UP);
    }

    public RingNode withWeight(int newWeight) {
        return new RingNode(id, address, zone, newWeight, state);
    }

    public RingNode withState(NodeState newState) {
        return new RingNode(id, address, zone, weight, newState);
    }

    public boolean isUp() {
        return state == NodeState.UP;
    }
}
