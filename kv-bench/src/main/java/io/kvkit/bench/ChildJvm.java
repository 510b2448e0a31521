package io.kvkit.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a child JVM: the running JVM's own {@code java} binary and class path,
 * plus the flags every peer needs on JDK 25. All children get the same flags, so no store is
 * measured under different JVM settings.
 */
public final class ChildJvm {
    /**
     * Chronicle Map reaches into JDK internals (and LMDB's buffer proxy into java.nio); native
     * peers (RocksDB, LMDB through jnr-ffi) need native access. Chronicle's usage analytics
     * are always off: it must not try to reach the network.
     */
    public static final List<String> PEER_FLAGS = List.of(
            "-Dchronicle.analytics.disable=true",
            "-Dchronicle.announcer.disable=true",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    private ChildJvm() {
    }

    /** The running JVM's java binary (falls back to java.home/bin/java). */
    public static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** {@code java -Xmx<heap> <peer flags> <extra flags> -cp <this class path> <mainClass> <args>}. */
    public static List<String> command(String heap, List<String> extraFlags, Class<?> mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-Xmx" + heap);
        cmd.addAll(PEER_FLAGS);
        cmd.addAll(extraFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return cmd;
    }
}
