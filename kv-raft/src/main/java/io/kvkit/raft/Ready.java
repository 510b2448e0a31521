package io.kvkit.raft;

import java.util.List;

/**
 * A batch of work for the host, to be carried out in this order (see the package documentation):
 * <ol>
 *   <li>send {@link #messages()} — they may go at once, in parallel with the writes below
 *       (the leader's APPENDs: its own write proceeds in parallel with replication);</li>
 *   <li>persist {@link #snapshot()} (if any), then {@link #entries()}, then {@link #hardState()}
 *       (if any), and sync;</li>
 *   <li>only then send {@link #messagesAfterPersist()} (votes and acknowledgements, which promise
 *       what was just persisted);</li>
 *   <li>apply the snapshot (if any) and then {@link #committedEntries()} to the state machine
 *       (they are always already durable; without a snapshot, applying may start before the
 *       writes above), and serve {@link #readStates()} once applied far enough;</li>
 *   <li>call {@link RaftCore#advance(Ready)}.</li>
 * </ol>
 *
 * @param softState            new leader/role, or null if unchanged
 * @param hardState            new hard state to persist, or null if unchanged
 * @param readStates           answered read requests
 * @param entries              entries to append to storage (truncating any conflicting suffix)
 * @param snapshot             snapshot to install, or null
 * @param committedEntries     entries to apply, in order
 * @param messages             messages that may be sent before persistence
 * @param messagesAfterPersist messages that must not leave before the writes above are durable
 */
public record Ready(SoftState softState, HardState hardState, List<ReadState> readStates, List<Entry> entries,
                    Snapshot snapshot, List<Entry> committedEntries, List<Message> messages,
                    List<Message> messagesAfterPersist) {

    public Ready {
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
        messagesAfterPersist = List.copyOf(messagesAfterPersist);
    }

    /** Whether the host has anything to persist before sending {@link #messagesAfterPersist()}. */
    public boolean mustPersist() {
        return hardState != null || !entries.isEmpty() || snapshot != null;
    }
}
