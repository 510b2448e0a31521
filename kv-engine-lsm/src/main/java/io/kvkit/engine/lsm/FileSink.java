package io.kvkit.engine.lsm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Buffered appends to a file channel through one reused direct buffer. */
final class FileSink implements AutoCloseable {
    private final FileChannel channel;
    private final ByteBuffer buf;
    private long written;

    FileSink(FileChannel channel, int bufferBytes) {
        this.channel = channel;
        this.buf = ByteBuffer.allocateDirect(bufferBytes);
    }

    void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (!buf.hasRemaining()) {
                flush();
            }
            int n = Math.min(len, buf.remaining());
            buf.put(b, off, n);
            off += n;
            len -= n;
            written += n;
        }
    }

    void write(byte b) throws IOException {
        if (!buf.hasRemaining()) {
            flush();
        }
        buf.put(b);
        written++;
    }

    long position() {
        return written;
    }

    void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        buf.clear();
    }

    /** Flushes and forces the file's data to disk (fdatasync). */
    void sync() throws IOException {
        flush();
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
