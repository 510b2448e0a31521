package io.kvkit.server.node;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A node's data directory:
 * <pre>
 *   LOCK              held while the node runs: a second process on the same directory is refused
 *   node.properties   cluster-id and node-id, written once when the node first starts
 *   raft/             the shared Raft log of every group this node hosts (meta and partitions)
 *   partitions/&lt;p&gt;/  one partition replica (a PartitionStateMachine's directory)
 * </pre>
 * The identity file is what makes a restart safe: a directory written by another node or
 * another cluster is refused with a message, never served.
 */
final class DataDirectory implements AutoCloseable {
    private static final String IDENTITY = "node.properties";

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final boolean fresh;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock, boolean fresh) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.fresh = fresh;
    }

    /**
     * Opens (creating if needed) the directory of node {@code nodeId} of cluster {@code clusterId}.
     *
     * @throws NodeStartException if the directory cannot be written, is in use by another
     *                            process, or belongs to another node or cluster
     */
    static DataDirectory open(Path root, long clusterId, long nodeId) {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new NodeStartException("cannot create the data directory " + root + ": " + reason(e), e);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(root.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new NodeStartException("cannot write in the data directory " + root + ": " + reason(e), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new NodeStartException("the data directory " + root + " is in use by another kvkit process (its LOCK file is held)");
        }
        DataDirectory dir = null;
        try {
            Path identity = root.resolve(IDENTITY);
            boolean fresh = !Files.exists(identity);
            if (fresh) {
                writeIdentity(root, clusterId, nodeId);
            } else {
                checkIdentity(identity, clusterId, nodeId);
            }
            dir = new DataDirectory(root, channel, lock, fresh);
            Files.createDirectories(dir.raft());
            Files.createDirectories(dir.partitionsRoot());
            return dir;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new NodeStartException("cannot prepare the data directory " + root + ": " + reason(e), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** True if this start created the directory's identity (a founding start, not a restart). */
    boolean fresh() {
        return fresh;
    }

    Path root() {
        return root;
    }

    Path raft() {
        return root.resolve("raft");
    }

    Path partitionsRoot() {
        return root.resolve("partitions");
    }

    Path partition(int p) {
        return partitionsRoot().resolve(Integer.toString(p));
    }

    /** The partitions that have a replica directory here, in order. */
    List<Integer> existingPartitions() {
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(partitionsRoot())) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{1,9}")).map(Integer::valueOf).sorted()
                    .forEach(out::add);
        } catch (IOException e) {
            throw new NodeStartException("cannot list " + partitionsRoot() + ": " + reason(e), e);
        }
        return out;
    }

    private static void writeIdentity(Path root, long clusterId, long nodeId) throws IOException {
        Properties p = new Properties();
        p.setProperty("cluster-id", Long.toHexString(clusterId));
        p.setProperty("node-id", Long.toString(nodeId));
        p.setProperty("format", "1");
        Path tmp = root.resolve(IDENTITY + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "kvkit node identity: do not edit");
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, root.resolve(IDENTITY), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(root, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static void checkIdentity(Path identity, long clusterId, long nodeId) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(identity, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        String cluster = p.getProperty("cluster-id");
        String node = p.getProperty("node-id");
        if (cluster == null || node == null) {
            throw new NodeStartException(identity + " is damaged (it lacks cluster-id or node-id); "
                    + "restore the directory from a backup or start the node with an empty directory");
        }
        if (!node.equals(Long.toString(nodeId))) {
            throw new NodeStartException("the data directory " + identity.getParent() + " belongs to node " + node
                    + ", not to node " + nodeId + "; give each node its own directory");
        }
        if (!cluster.equals(Long.toHexString(clusterId))) {
            throw new NodeStartException("the data directory " + identity.getParent() + " belongs to another cluster (id "
                    + cluster + "; this configuration founds cluster " + Long.toHexString(clusterId)
                    + "): the initial cluster, partitions, replication factor or default engine differ from the first start");
        }
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing to add to the error being reported
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel's close releases it too
        }
        closeQuietly(lockChannel);
    }
}
