/**
 * kv-ring: the partition ring of kvkit.
 *
 * <p>A key's partition is the top log2(Q) bits of its XXHash64 ({@link io.kvkit.ring.KeyHasher}),
 * fixed for the cluster's life. A {@link io.kvkit.ring.Ring} is an immutable, versioned value
 * holding the nodes with their weighted tokens and each partition's R replicas in preference
 * order; {@link io.kvkit.ring.RingCodec} is its checksummed binary form. Ring changes return the
 * next ring and the {@link io.kvkit.ring.MovePlan} that gets a cluster there: the minimum set of
 * replica moves, each an addition followed by a removal, which {@link
 * io.kvkit.ring.MovePlan#verify} replays against both rings. {@link io.kvkit.ring.LoadBalancer}
 * plans leader transfers and replica moves from measured load.
 *
 * <p>Contract for callers: apply a plan's steps in order per partition (add, wait until the new
 * replica has caught up and votes, then remove). Record the new ring (its epoch) in the meta group
 * before starting the plan: the plan's epoch pair names both rings, and a partition is served by
 * its Raft group throughout, whose membership the steps change one member at a time. Everything
 * here is pure computation: no I/O, no threads, no clocks.
 */
package io.kvkit.ring;
