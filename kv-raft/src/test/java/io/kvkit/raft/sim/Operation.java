package io.kvkit.raft.sim;

/**
 * One client operation on a key-value register, as a client saw it.
 *
 * @param client   client id (each client has at most one operation outstanding)
 * @param put      true for a write, false for a read
 * @param key      the key
 * @param value    for a write, the value written; for a read, the value returned (null = absent)
 * @param invoked  time the operation was issued
 * @param returned time the response arrived, or {@link Long#MAX_VALUE} if unknown (a write whose
 *                 fate is unknown may take effect at any point after its invocation)
 */
public record Operation(int client, boolean put, String key, String value, long invoked, long returned) {
    @Override
    public String toString() {
        return "c" + client + " " + (put ? "put(" + key + "," + value + ")" : "get(" + key + ")=" + value)
                + " [" + invoked + "," + (returned == Long.MAX_VALUE ? "inf" : returned) + "]";
    }
}
