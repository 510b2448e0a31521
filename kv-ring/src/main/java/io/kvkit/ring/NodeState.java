package io.kvkit.ring;

/**
 * What the ring believes about a node. A DOWN node keeps its tokens and replicas (nothing moves
 * when a node is merely suspected); it just cannot receive new replicas or leadership, and it
 * does not count as a live replica in move-plan safety. Removing a dead node's replicas is
 * {@link Ring#fail}.
 */
public enum NodeState {
    UP(0),
    DOWN(1);

    final int code;

    NodeState(int code) {
        this.code = code;
    }

    static NodeState ofCode(int code) {
        for (NodeState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown node state code " + code + " (allowed: 0 = UP, 1 = DOWN)");
    }
}
