package io.kvkit.raft.transport;

/**
 * Counters of one transport since it started. Every dropped message is counted under exactly
 * one reason.
 *
 * @param messagesSent            messages written to a connection
 * @param framesSent              frames (envelopes) written
 * @param bytesSent               frame bytes written, length prefixes included
 * @param messagesReceived        messages handed to the listener
 * @param framesReceived          frames decoded
 * @param bytesReceived           frame bytes decoded, length prefixes included
 * @param droppedQueueFull        messages refused because the destination's queue was full
 *                                (by count or by bytes): back-pressure
 * @param droppedOversized        messages refused because alone they exceed the frame limit
 * @param droppedUnreachable      messages discarded because their destination was unknown,
 *                                unreachable or its connection was lost before they left
 * @param droppedClosed           messages refused because the transport was closed
 * @param connectFailures         outbound connection attempts that failed
 * @param connectionsLost         established outbound connections that closed
 * @param inboundConnectionsRejected inbound connections closed for a protocol error (frame too
 *                                large, bytes that are not a frame, a frame for another node)
 */
public record TransportStats(long messagesSent, long framesSent, long bytesSent,
                             long messagesReceived, long framesReceived, long bytesReceived,
                             long droppedQueueFull, long droppedOversized, long droppedUnreachable,
                             long droppedClosed, long connectFailures, long connectionsLost,
                             long inboundConnectionsRejected) {

    /** All messages dropped, whatever the reason. */
    public long droppedTotal() {
        return droppedQueueFull + droppedOversized + droppedUnreachable + droppedClosed;
    }
}
