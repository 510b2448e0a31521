package io.kvkit.server.partition;

import java.nio.file.Path;

/**
 * The child JVM of {@link PartitionCrashTest}: opens the replica, replays the stream after its
 * applied index (as the runtime replays the log), then applies commands and prints each index
 * once apply returned, until it is killed.
 */
public final class PartitionCrashChild {
    private PartitionCrashChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        String engine = args[1];
        long seed = Long.parseLong(args[2]);
        PartitionStateMachine m = PartitionStateMachine.open(TestEngines.options(dir, engine));
        CommandStream stream = new CommandStream(seed, engine);
        long applied = m.appliedIndex();
        for (long i = 1; i <= applied; i++) {
            stream.next();
        }
        System.out.println("opened " + applied);
        System.out.flush();
        for (long index = applied + 1; ; index++) {
            m.apply(index, stream.next());
            System.out.println("applied " + index);
            System.out.flush();
        }
    }
}
