package io.kvkit.engine.lsm;

import java.lang.foreign.Arena;

/** Closes shared arenas, which can refuse while another thread is inside a native access. */
final class ResourceCloser {
    private ResourceCloser() {
    }

    static void closeArena(Arena arena) {
        for (int attempt = 0; ; attempt++) {
            try {
                arena.close();
                return;
            } catch (IllegalStateException e) {
                if (!arena.scope().isAlive()) {
                    return;
                }
                if (attempt > 1000) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }
}
