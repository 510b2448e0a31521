package io.kvkit.engine.api;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * File-system chores every engine has to get right the same way: keeping a second opener out of
 * a store's directory, making directory entries durable, and checking a checkpoint's target.
 */
public final class StoreDirectory {
    /** The lock file every engine keeps in its directory while a store is open. */
    public static final String LOCK_FILE = "LOCK";

    private StoreDirectory() {
    }

    /**
     * Creates {@code dir} if needed and takes an exclusive lock on its {@value #LOCK_FILE} file,
     * so that a second open, by this process or another, fails instead of corrupting the store.
     *
     * @throws InvalidArgumentException naming the directory if the store is already open
     */
    public static Lock lock(Path dir, String engine) throws IOException {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new InvalidArgumentException(engine + " store in " + dir + " is already open (by this or another process)");
        }
        return new Lock(channel, lock);
    }

    /**
     * Forces the directory itself, so that files created, renamed or deleted in it survive a power
     * loss (a new file's data being synced does not make its name durable: PITFALLS #20).
     */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * Makes {@code target} ready to receive a checkpoint: creates it (and makes its name durable)
     * if missing; refuses it if it holds anything, so that a checkpoint never mixes with other
     * files.
     *
     * @throws InvalidArgumentException if the target is not a directory or not empty
     */
    public static void prepareCheckpointTarget(Path target) throws IOException {
        if (target == null) {
            throw new InvalidArgumentException("checkpoint directory must not be null");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new InvalidArgumentException("checkpoint target " + target + " exists and is not a directory");
            }
            try (var entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidArgumentException("checkpoint directory " + target + " is not empty");
                }
            }
        }
        Files.createDirectories(target);
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            syncDirectory(parent);
        }
    }

    /** The held lock of an open store; closing it lets the next opener in. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
            } finally {
                channel.close();
            }
        }
    }
}
