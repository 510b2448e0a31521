package io.kvkit.server.endpoint;

import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon event-loop threads named {@code <prefix>-1}, {@code <prefix>-2}, ... so a thread dump
 * says what each is. {@link FastThreadLocalThread}s, as Netty's own factory makes, for its
 * allocator caches.
 */
final class IoThreadFactory implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger next = new AtomicInteger(1);

    IoThreadFactory(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new FastThreadLocalThread(r, prefix + "-" + next.getAndIncrement());
        t.setDaemon(true);
        return t;
    }
}
