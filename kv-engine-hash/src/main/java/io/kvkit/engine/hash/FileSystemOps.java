package io.kvkit.engine.hash;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** File-system steps the engine needs for durability. */
final class FileSystemOps {
    private FileSystemOps() {
    }

    /** Makes a created, renamed or deleted entry of {@code dir} durable (PITFALLS #20). */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
