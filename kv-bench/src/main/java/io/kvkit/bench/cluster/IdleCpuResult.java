package io.kvkit.bench.cluster;

/**
 * CPU the servers use with no requests at all (heartbeats, tickers, background work), measured
 * after the warm-up and before the first point. It is part of every point's CPU per operation,
 * and weighs most at low throughput; with many groups it grows with the group count.
 *
 * @param seconds       length of the idle interval
 * @param serverCores   utime+stime of all server processes over the interval / its length (1.0 = one core busy)
 */
public record IdleCpuResult(int groups, double seconds, double serverCores) {
}
