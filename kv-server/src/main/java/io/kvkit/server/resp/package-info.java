/**
 * The RESP2 endpoint of a kvkit node: Redis clients (redis-cli, redis-benchmark, Jedis, Lettuce)
 * speak to the cluster through it.
 *
 * <h2>Commands</h2>
 * PING, ECHO, GET, SET (NX|XX; expiry options are refused: kvkit has no TTLs), DEL, EXISTS, MGET,
 * MSET, INCR, INCRBY, DECR, DECRBY, SETNX, GETSET, STRLEN, APPEND, SCAN (MATCH, COUNT, TYPE),
 * DBSIZE, INFO, COMMAND (COUNT, DOCS, INFO, LIST), CLIENT (ID, SETNAME, GETNAME, SETINFO),
 * HELLO 2, SELECT 0, QUIT. Names are case-insensitive; unknown commands and wrong arities get
 * Redis's own error wording.
 *
 * <h2>Mapping to the node's requests</h2>
 * <ul>
 *   <li>Every key is on the {@code default} table. Reads are LINEARIZABLE.</li>
 *   <li>Writes carry the connection's session (a random client id per connection, a seq per
 *       write command); NOT_LEADER, UNAVAILABLE and TIMEOUT answers are retried with the same
 *       seq, so a retried SET or INCR applies once. A partition that forgot the session answers
 *       SESSION_EXPIRED: on a first attempt (nothing applied) the connection takes a fresh
 *       session and resends; after a retry the outcome is unknown and the client gets the error.</li>
 *   <li>Read-modify-write commands are compare-and-set loops.</li>
 *   <li><b>MSET is atomic per partition only</b> (one batch per partition): unlike Redis, a
 *       reader may see part of an MSET whose keys span partitions.</li>
 *   <li>SCAN walks partitions 0..Q-1 in key order; the cursor is {@code <partition>:<last key in hex>}
 *       (opaque to clients: Jedis, Lettuce and redis-cli 7, {@code --scan} included, pass it back
 *       as a string; a client that parses cursors as numbers cannot use it).</li>
 *   <li>DBSIZE and INFO's keyspace section count keys with a keys-only scan of every partition:
 *       their cost grows with the data.</li>
 *   <li>A request that fails answers {@code -ERR <status code>: <message>} (e.g.
 *       {@code -ERR INVALID_ARGUMENT: value of 4194305 bytes is over ...}).</li>
 * </ul>
 *
 * <h2>Bounds</h2>
 * Per connection: {@code maxInFlightPerConnection} commands; a bulk string of at most
 * {@code maxBulkBytes}, {@code maxArrayElements} arguments, {@code maxCommandBytes} in all, an
 * inline line of {@code maxInlineBytes}. Bad input answers {@code -ERR Protocol error: <what>}
 * and closes the connection; other connections are not affected.
 */
package io.kvkit.server.resp;
