package io.kvkit.raft.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The file-backed snapshots of the groups of one node, beside their logs: one directory per
 * snapshot, so that a snapshot never has to fit in the heap. Layout under the root:
 * <pre>
 * group-&lt;id&gt;/snap-&lt;index&gt;/...      a complete snapshot at that index (files as the state machine wrote them)
 * group-&lt;id&gt;/incoming-&lt;index&gt;/... a received snapshot, verified, not yet accepted by the core
 * group-&lt;id&gt;/tmp-&lt;n&gt;/...          being written (a crash leaves it; removed at open)
 * staging/...                      a transport's partial transfers ({@link #stagingDirectory()})
 * </pre>
 * Snapshots are named by index alone: a snapshot's index is committed, so its term is fixed.
 * A directory becomes {@code snap-<index>} only complete: its files and the directory are synced,
 * then it is renamed, then the group directory is synced. The log store records the snapshot
 * (with its {@link SnapshotManifest} as data) after that, and older directories are deleted only
 * once the log store's record of a newer one is durable ({@link #retainFrom}); at start the group
 * keeps only the directory its log's snapshot names ({@link #keepOnly}).
 *
 * <p>Thread-safe for different directories: the apply thread writes {@code tmp-*} and seals them,
 * the worker promotes received ones and deletes old ones, the transport reads {@code snap-*}.
 */
public final class FileSnapshotStore {

    private static final String GROUP = "group-";
    private static final String SNAP = "snap-";
    private static final String INCOMING = "incoming-";
    private static final String TMP = "tmp-";

    private final Path root;
    private final AtomicLong tmpCounter = new AtomicLong();
    private final List<String> recovery = new ArrayList<>();

    private FileSnapshotStore(Path root) {
        this.root = root;
    }

    /** Opens (creating) the store in {@code root}, removing what crashes left: temporary and incoming directories. */
    public static FileSnapshotStore open(Path root) {
        FileSnapshotStore s = new FileSnapshotStore(root);
        try {
            Files.createDirectories(root);
            try (Stream<Path> groups = Files.list(root)) {
                for (Path g : groups.toList()) {
                    if (!g.getFileName().toString().startsWith(GROUP) || !Files.isDirectory(g)) {
                        continue;
                    }
                    try (Stream<Path> children = Files.list(g)) {
                        for (Path c : children.toList()) {
                            String n = c.getFileName().toString();
                            if (n.startsWith(TMP) || n.startsWith(INCOMING)) {
                                deleteTree(c);
                                s.recovery.add("removed " + root.relativize(c) + " (a snapshot write or receipt cut short)");
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file snapshot store in " + root, e);
        }
        return s;
    }

    /** What {@link #open} cleaned up. */
    public List<String> recoveryReport() {
        return List.copyOf(recovery);
    }

    public Path root() {
        return root;
    }

    private Path groupDir(long groupId) {
        return root.resolve(GROUP + groupId);
    }

    /** The directory of the complete snapshot of {@code groupId} at {@code index} (it may not exist). */
    public Path directory(long groupId, long index) {
        return groupDir(groupId).resolve(SNAP + index);
    }

    /** Where a received snapshot at {@code index} waits for the core ({@link #adopt}, {@link #promote}). */
    public Path incomingDirectory(long groupId, long index) {
        return groupDir(groupId).resolve(INCOMING + index);
    }

    /**
     * Where a transport may stage the file snapshots it receives for this node ({@code staging/}
     * under the root, beside the groups' directories, so that taking one is a rename). What it
     * holds is the transport's: partial transfers it may resume.
     */
    public Path stagingDirectory() {
        return root.resolve("staging");
    }

    /** A new, empty directory for the state machine to write a snapshot into; {@link #seal} it when done. */
    public Path newTempDirectory(long groupId) {
        Path d = groupDir(groupId).resolve(TMP + System.nanoTime() + "-" + tmpCounter.incrementAndGet());
        try {
            Files.createDirectories(d);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a snapshot directory " + d, e);
        }
    }

    /**
     * Makes the files written into {@code temp} the snapshot at {@code index}: syncs them, renames
     * the directory to {@code snap-<index>}, syncs the group directory, and returns its manifest.
     * If that snapshot exists already (the same committed state), {@code temp} is dropped and the
     * existing one's manifest is returned.
     */
    public SnapshotManifest seal(long groupId, Path temp, long index) {
        Path fin = directory(groupId, index);
        try {
            if (Files.isDirectory(fin)) {
                deleteTree(temp);
                return SnapshotManifest.of(fin);
            }
            SnapshotManifest m = SnapshotManifest.of(temp);
            syncTree(temp);
            Files.move(temp, fin, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(groupDir(groupId));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot seal snapshot " + index + " of group " + groupId + " from " + temp, e);
        }
    }

    /**
     * Takes a received snapshot at {@code index} from {@code source} into {@code incoming-<index>},
     * checking its files against {@code manifest} and syncing them. With {@code move} the source
     * directory (a transport's staging area on this node, whose files were checked against their
     * CRC32Cs as they arrived) is renamed when it can be, and then only the files' names and sizes
     * are checked; copied otherwise. Without {@code move}, its files are hard-linked where
     * possible, else copied, the source is left alone, and every file's CRC32C is checked. An
     * earlier {@code incoming-<index>} of the same index is replaced.
     *
     * @throws IllegalArgumentException if the files do not match the manifest (nothing is kept)
     */
    public Path adopt(long groupId, long index, Path source, SnapshotManifest manifest, boolean move) {
        Path dst = incomingDirectory(groupId, index);
        try {
            Files.createDirectories(groupDir(groupId));
            // other incoming snapshots stay: the core may still accept an earlier one in this
            // round; those it never accepts go with the next retainFrom past them, or at open
            deleteTree(dst);
            boolean moved = false;
            if (move) {
                try {
                    Files.move(source, dst, StandardCopyOption.ATOMIC_MOVE);
                    moved = true;
                } catch (AtomicMoveNotSupportedException e) {
                    // another file system: copy below
                }
            }
            if (!moved) {
                Files.createDirectories(dst);
                for (SnapshotManifest.FileEntry f : manifest.files()) {
                    Path from = source.resolve(f.path());
                    Path to = dst.resolve(f.path());
                    Files.createDirectories(to.getParent());
                    try {
                        Files.createLink(to, from); // snapshot files are never modified in place
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                if (move) {
                    deleteTree(source);
                }
            }
            try {
                if (moved) {
                    manifest.verifySizes(dst);
                } else {
                    manifest.verify(dst);
                }
            } catch (IllegalArgumentException e) {
                deleteTree(dst);
                throw e;
            }
            syncTree(dst);
            fsyncDirectory(groupDir(groupId));
            return dst;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take the received snapshot " + index + " of group " + groupId + " from " + source, e);
        }
    }

    /**
     * The core accepted the received snapshot at {@code index}: {@code incoming-<index>} becomes
     * {@code snap-<index>} (nothing to do if that exists already).
     *
     * @throws IllegalStateException if neither exists
     */
    public void promote(long groupId, long index) {
        Path fin = directory(groupId, index);
        Path in = incomingDirectory(groupId, index);
        try {
            if (Files.isDirectory(fin)) {
                deleteTree(in);
                return;
            }
            if (!Files.isDirectory(in)) {
                throw new IllegalStateException("group " + groupId + ": snapshot " + index + " was accepted but neither "
                        + fin + " nor " + in + " exists");
            }
            Files.move(in, fin, StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(groupDir(groupId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install snapshot " + index + " of group " + groupId, e);
        }
    }

    /**
     * Deletes the group's complete and incoming snapshots below {@code keepIndex} (call once the
     * log store's record of the snapshot at {@code keepIndex} is durable). Temporary directories
     * being written are left alone.
     */
    public void retainFrom(long groupId, long keepIndex) {
        forEachSnapshot(groupId, (p, index) -> {
            if (index < keepIndex) {
                deleteTree(p);
            }
        });
    }

    /** At start: deletes every snapshot directory of the group but {@code snap-<keepIndex>}. */
    public void keepOnly(long groupId, long keepIndex) {
        Path keep = directory(groupId, keepIndex);
        forEachSnapshot(groupId, (p, index) -> {
            if (!p.equals(keep)) {
                deleteTree(p);
            }
        });
    }

    /** Removes every snapshot of the group (its replica left this node). */
    public void deleteGroup(long groupId) {
        try {
            deleteTree(groupDir(groupId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the snapshots of group " + groupId + " in " + root, e);
        }
    }

    /** Indexes of the group's complete snapshots, ascending (for tests and status). */
    public List<Long> snapshotIndexes(long groupId) {
        List<Long> out = new ArrayList<>();
        forEachSnapshot(groupId, (p, index) -> {
            if (p.getFileName().toString().startsWith(SNAP)) {
                out.add(index);
            }
        });
        out.sort(null);
        return out;
    }

    private interface SnapshotVisitor {
        void visit(Path dir, long index) throws IOException;
    }

    private void forEachSnapshot(long groupId, SnapshotVisitor v) {
        Path g = groupDir(groupId);
        if (!Files.isDirectory(g)) {
            return;
        }
        try (Stream<Path> s = Files.list(g)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                String prefix = n.startsWith(SNAP) ? SNAP : n.startsWith(INCOMING) ? INCOMING : null;
                if (prefix == null) {
                    continue;
                }
                long index;
                try {
                    index = Long.parseLong(n.substring(prefix.length()));
                } catch (NumberFormatException e) {
                    continue;
                }
                v.visit(p, index);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up the snapshots of group " + groupId + " in " + g, e);
        }
    }

    /** Syncs every file under {@code dir} and every directory, deepest first. */
    static void syncTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            if (Files.isRegularFile(p)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            } else if (Files.isDirectory(p)) {
                fsyncDirectory(p);
            }
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.walk(p)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            return;
        }
        for (Path x : all) {
            Files.deleteIfExists(x);
        }
    }

    @Override
    public String toString() {
        return "FileSnapshotStore[" + root + "]";
    }

}
