package io.kvkit.raft.runtime;

/**
 * Counters of one {@link RaftNode} since it started.
 *
 * @param groups                  groups hosted now
 * @param rounds                  worker rounds that carried out at least one Ready
 * @param readies                 Readies carried out
 * @param syncs                   {@code RaftLogStore.sync()} calls made by workers (one per round
 *                                that had anything to persist, whatever the number of groups)
 * @param groupsPersisted         sum over those syncs of the groups whose writes each covered
 * @param messagesSent            messages the transport accepted
 * @param messagesDropped         messages the transport refused at once
 * @param messagesReceived        messages handed to a group's inbox
 * @param messagesDroppedUnknownGroup messages for a group not hosted here
 * @param messagesDroppedInboxFull messages dropped because a group's inbox was full
 * @param proposals               commands accepted into a leader's log (or forwarded)
 * @param entriesApplied          committed entries handled by apply threads
 * @param snapshotsCreated        log compactions (state machine snapshots)
 * @param snapshotsInstalled      snapshots received from a leader and restored
 * @param groupTicks              ticks delivered to cores
 * @param quiescedGroups          groups quiesced on this node now
 * @param quiesces                times a member quiesced
 * @param wakes                   times a quiesced member woke up
 * @param livenessSent            node-pair liveness messages sent
 */
public record RaftNodeStats(int groups, long rounds, long readies, long syncs, long groupsPersisted,
                            long messagesSent, long messagesDropped, long messagesReceived,
                            long messagesDroppedUnknownGroup, long messagesDroppedInboxFull, long proposals,
                            long entriesApplied, long snapshotsCreated, long snapshotsInstalled, long groupTicks,
                            int quiescedGroups, long quiesces, long wakes, long livenessSent) {

    /** Average number of groups made durable by one sync (the group-commit factor). */
    public double groupsPerSync() {
        return syncs == 0 ? 0 : (double) groupsPersisted / syncs;
    }
}
