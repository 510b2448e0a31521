package io.kvkit.client;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Every setting of a {@link KvClient}, each with its default (see {@link KvClient.Builder}).
 *
 * @param seeds                     nodes to ask for the topology first (any node of the cluster will do)
 * @param connectTimeout            TCP connect plus handshake, per connection (default 2 s)
 * @param defaultDeadline           a call's deadline, retries included, unless the call's view says otherwise (default 10 s)
 * @param attemptTimeout            one attempt's wait for an answer, after which the call tries
 *                                  another replica (reads and writes alike, as every request is safe
 *                                  to resend); {@link Duration#ZERO} = the whole deadline (default)
 * @param poolSizePerNode           connections per node (default 1: pipelining makes more rarely useful)
 * @param maxInFlightPerConnection  requests written and not answered, per connection (default 1,024)
 * @param maxInFlightBytesPerConnection encoded bytes of requests written and not answered, per
 *                                  connection; one request is always allowed (default 64 MiB)
 * @param maxQueuedPerConnection    requests waiting for an in-flight slot, per connection; beyond it
 *                                  an attempt fails UNAVAILABLE at once and its call backs off
 *                                  (default 65,536)
 * @param retryPolicy               attempts and backoff (default {@link RetryPolicy#defaults()})
 * @param limits                    limits assumed until a server announces its own; {@code maxFrameBytes}
 *                                  also bounds inbound frames (default {@link ProtocolLimits#defaults()})
 * @param defaultConsistency        of reads (default LINEARIZABLE)
 * @param ioThreads                 Netty event loops (default 2)
 * @param preferNativeEpoll         epoll when available, NIO otherwise (default true)
 * @param clientName                sent in the handshake, for the server's logs
 */
public record KvClientOptions(
        List<InetSocketAddress> seeds,
        Duration connectTimeout,
        Duration defaultDeadline,
        Duration attemptTimeout,
        int poolSizePerNode,
        int maxInFlightPerConnection,
        long maxInFlightBytesPerConnection,
        int maxQueuedPerConnection,
        RetryPolicy retryPolicy,
        ProtocolLimits limits,
        Consistency defaultConsistency,
        int ioThreads,
        boolean preferNativeEpoll,
        String clientName) {

    public KvClientOptions {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed endpoint is needed (host:port of any node)");
        }
        positive("connectTimeout", connectTimeout);
        positive("defaultDeadline", defaultDeadline);
        if (attemptTimeout == null || attemptTimeout.isNegative()) {
            throw new IllegalArgumentException("attemptTimeout must be >= 0 (0 = the whole deadline), got " + attemptTimeout);
        }
        atLeastOne("poolSizePerNode", poolSizePerNode);
        atLeastOne("maxInFlightPerConnection", maxInFlightPerConnection);
        atLeastOne("maxQueuedPerConnection", maxQueuedPerConnection);
        if (maxInFlightBytesPerConnection < 1) {
            throw new IllegalArgumentException("maxInFlightBytesPerConnection must be >= 1, got " + maxInFlightBytesPerConnection);
        }
        atLeastOne("ioThreads", ioThreads);
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(defaultConsistency, "defaultConsistency");
        Objects.requireNonNull(clientName, "clientName");
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    private static void atLeastOne(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }
}
