package io.kvkit.server.admin;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.Map;

/**
 * The JVM's figures, from its management beans: heap and non-heap memory, buffer pools (direct
 * and mapped memory, where kvkit's engines keep much of their data), collections and collection
 * time per garbage collector, threads, uptime.
 */
public final class JvmMetrics {
    private JvmMetrics() {
    }

    public static void writeTo(MetricsWriter w) {
        var memory = ManagementFactory.getMemoryMXBean();
        memory(w, "heap", memory.getHeapMemoryUsage());
        memory(w, "nonheap", memory.getNonHeapMemoryUsage());

        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            Map<String, String> l = Map.of("pool", pool.getName());
            if (pool.getMemoryUsed() >= 0) {
                w.gauge("kvkit_jvm_buffer_pool_used_bytes", "Memory the JVM's buffer pool uses (direct and mapped buffers).", l,
                        pool.getMemoryUsed());
            }
            if (pool.getTotalCapacity() >= 0) {
                w.gauge("kvkit_jvm_buffer_pool_capacity_bytes", "Total capacity of the buffers in the pool.", l,
                        pool.getTotalCapacity());
            }
            if (pool.getCount() >= 0) {
                w.gauge("kvkit_jvm_buffer_pool_buffers", "Buffers in the pool.", l, pool.getCount());
            }
        }

        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            Map<String, String> l = Map.of("gc", gc.getName());
            // -1 means the collector does not say
            if (gc.getCollectionCount() >= 0) {
                w.counter("kvkit_jvm_gc_collections_total", "Collections by this garbage collector since the JVM started.", l,
                        gc.getCollectionCount());
            }
            if (gc.getCollectionTime() >= 0) {
                w.counter("kvkit_jvm_gc_collection_seconds_total", "Approximate accumulated collection time of this collector.",
                        l, gc.getCollectionTime() / 1e3);
            }
        }

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        w.gauge("kvkit_jvm_threads_live", "Live threads, daemon and not.", Map.of(), threads.getThreadCount());
        w.gauge("kvkit_jvm_threads_daemon", "Live daemon threads.", Map.of(), threads.getDaemonThreadCount());
        w.gauge("kvkit_jvm_threads_peak", "The most live threads since the JVM started.", Map.of(), threads.getPeakThreadCount());
        w.counter("kvkit_jvm_threads_started_total", "Threads started since the JVM started.", Map.of(),
                threads.getTotalStartedThreadCount());

        var runtime = ManagementFactory.getRuntimeMXBean();
        w.gauge("kvkit_process_uptime_seconds", "Time since the JVM started.", Map.of(), runtime.getUptime() / 1e3);
        w.gauge("kvkit_process_start_time_seconds", "When the JVM started, in seconds since the Unix epoch.", Map.of(),
                runtime.getStartTime() / 1e3);
        w.gauge("kvkit_jvm_available_processors", "Processors available to the JVM.", Map.of(),
                Runtime.getRuntime().availableProcessors());
    }

    private static void memory(MetricsWriter w, String area, MemoryUsage u) {
        Map<String, String> l = Map.of("area", area);
        w.gauge("kvkit_jvm_memory_used_bytes", "Memory used, by area (heap, nonheap).", l, u.getUsed());
        w.gauge("kvkit_jvm_memory_committed_bytes", "Memory committed by the operating system to the JVM, by area.", l,
                u.getCommitted());
        if (u.getMax() >= 0) { // -1: undefined
            w.gauge("kvkit_jvm_memory_max_bytes", "The most memory the area may use (absent when undefined).", l, u.getMax());
        }
    }
}
