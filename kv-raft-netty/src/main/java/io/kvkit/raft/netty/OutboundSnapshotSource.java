package io.kvkit.raft.netty;

/**
 * The bytes of one outbound snapshot transfer, cut into chunks in increasing offset order: the
 * {@code SnapshotCodec} encoding of an in-memory snapshot ({@link SnapshotChunkSource}) or the
 * files of a file-backed one read from disk ({@link FileSnapshotChunkSource}).
 */
interface OutboundSnapshotSource {

    long totalBytes();

    /**
     * The chunk of at most {@code maxBytes} at {@code offset}.
     *
     * @throws RuntimeException if the bytes cannot be read (a file snapshot deleted or damaged
     *                          under the transfer): the transfer fails
     */
    SnapshotChunkSource.Chunk chunkAt(long offset, int maxBytes);

    /** Releases what the source holds open. */
    default void close() {
    }
}
