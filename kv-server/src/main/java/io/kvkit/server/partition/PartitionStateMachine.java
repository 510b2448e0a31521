package io.kvkit.server.partition;

import com.google.protobuf.ByteString;
import io.kvkit.client.SessionTable;
import io.kvkit.client.proto.BatchOperation;
import io.kvkit.client.proto.BatchResponse;
import io.kvkit.client.proto.CompareAndSetRequest;
import io.kvkit.client.proto.CompareAndSetResponse;
import io.kvkit.client.proto.CreateTableRequest;
import io.kvkit.client.proto.CreateTableResponse;
import io.kvkit.client.proto.DeleteResponse;
import io.kvkit.client.proto.DropTableResponse;
import io.kvkit.client.proto.KeyValue;
import io.kvkit.client.proto.PutResponse;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;
import io.kvkit.client.proto.ScanResponse;
import io.kvkit.client.proto.Session;
import io.kvkit.client.proto.Status;
import io.kvkit.client.proto.StatusCode;
import io.kvkit.client.proto.TableInfo;
import io.kvkit.engine.api.Cursor;
import io.kvkit.engine.api.EngineClosedException;
import io.kvkit.engine.api.EngineConfig;
import io.kvkit.engine.api.InvalidArgumentException;
import io.kvkit.engine.api.KeyRange;
import io.kvkit.engine.api.ReadOptions;
import io.kvkit.engine.api.StorageEngine;
import io.kvkit.engine.api.StorageEngines;
import io.kvkit.engine.api.UnsupportedFeatureException;
import io.kvkit.engine.api.WriteBatch;
import io.kvkit.engine.api.WriteOptions;
import io.kvkit.raft.ConfState;
import io.kvkit.raft.Snapshot;
import io.kvkit.raft.runtime.GroupStateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * One replica of one partition: applies the partition's committed commands
 * ({@link PartitionCommand}) to one storage engine per table, exactly once, and answers reads.
 *
 * <p>Layout under the replica's directory: {@code CURRENT} names the live state directory
 * {@code state-<generation>}, which holds {@code system/} (the system store: applied index,
 * table catalog, session table base) and {@code tables/<name>.<createIndex>/} (one engine per
 * table). A restore unpacks into a new generation and switches {@code CURRENT} with an atomic
 * rename.
 *
 * <p>Durability, in short (the README argues it step by step): every command that changes state
 * writes its effects, its log index and its session record in one atomic batch of one engine;
 * a batch goes out with {@code sync=false} because the Raft log already holds the entry, and
 * before the first write to an engine other than the last one written, the last one is synced,
 * so the engines together always hold a prefix of the applied commands; the applied index is
 * the highest index any engine holds.
 *
 * <p>Threads: the runtime calls the {@link GroupStateMachine} methods on one apply thread; the
 * read methods may be called from any thread.
 */
public final class PartitionStateMachine implements GroupStateMachine, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionStateMachine.class);
    private static final String CURRENT = "CURRENT";
    private static final String INCOMING = "incoming";
    private static final String SNAPSHOT_STAGING = "snapshot-staging";
    /** Room above the user value limit for the replica's records (a journal record holds a reply, which may hold a value). */
    private static final int RECORD_SLACK_BYTES = 64 * 1024;

    private final PartitionOptions options;
    private final Path root;
    /** Readers hold it shared; swapping engines (create, drop, restore, close) holds it exclusive. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, StorageEngine> engines = new ConcurrentHashMap<>();

    private int generation;
    private Path stateDir;
    private StorageEngine system;
    private volatile TableCatalog catalog;
    private SessionTable sessions;
    private SessionJournal journal;
    private long appliedIndex;
    /** The engine written last without sync, synced before any other engine is written. */
    private StorageEngine unsynced;
    private volatile String haltedBecause;
    /** Set while a snapshot is installed: reads fail fast (UNAVAILABLE) instead of waiting for it (PITFALLS #15). */
    private volatile boolean restoring;
    private volatile boolean closed;

    private PartitionStateMachine(PartitionOptions options) {
        this.options = options;
        this.root = options.directory();
    }

    /** Opens (or creates) the replica in {@code options.directory()}. */
    public static PartitionStateMachine open(PartitionOptions options) {
        PartitionStateMachine m = new PartitionStateMachine(options);
        try {
            Files.createDirectories(m.root);
            m.openState(m.readCurrent());
        } catch (IOException e) {
            m.closeEngines();
            throw new UncheckedIOException("cannot open partition replica in " + m.root, e);
        } catch (RuntimeException e) {
            m.closeEngines();
            throw e;
        }
        return m;
    }

    // ------------------------------------------------------------------ GroupStateMachine

    @Override
    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        checkUsable();
        if (index <= appliedIndex) {
            throw new IllegalArgumentException("log index " + index + " is at or below the applied index " + appliedIndex
                    + ": commands must come in log order, each once");
        }
        try {
            return applyChecked(index, command);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            // an engine failed mid-apply: the replica's state is unknown, so it refuses to go on
            // (the runtime would count the index as applied; see the README)
            haltedBecause = "applying index " + index + " failed: " + e;
            LOG.error("partition replica in {} halted: {}", root, haltedBecause, e);
            throw new IllegalStateException("partition replica halted: " + haltedBecause, e);
        }
    }

    /** Membership lives in the Raft log and its snapshots; nothing here changes, and the index advances lazily. */
    @Override
    public void applyMembership(long index, ConfState membership) {
    }

    @Override
    public byte[] snapshot() {
        checkUsable();
        Path staging = root.resolve(SNAPSHOT_STAGING);
        SnapshotArchive.deleteTree(staging);
        try {
            syncUnsynced();
            system.checkpoint(staging.resolve("system"));
            for (TableCatalog.Entry e : catalog.tables().values()) {
                engines.get(e.info().getName()).checkpoint(staging.resolve("tables").resolve(e.directoryName()));
            }
            return SnapshotArchive.pack(staging, appliedIndex);
        } finally {
            SnapshotArchive.deleteTree(staging);
        }
    }

    /**
     * Raft snapshots of a partition are files: its engines' checkpoints, which the runtime keeps
     * on disk and streams to followers in chunks, so a partition never has to fit in the heap.
     * ({@link #snapshot()} and {@link #restore} with data remain as the single-array form of the
     * same checkpoints, {@link SnapshotArchive}, for callers that want one.)
     */
    @Override
    public boolean snapshotsToFiles() {
        return true;
    }

    /**
     * Checkpoints every engine into {@code dir}: {@code system/} and {@code tables/<name>.<createIndex>/},
     * the layout of a state directory. Engines hard-link their immutable files where they can.
     */
    @Override
    public void snapshotTo(Path dir) {
        checkUsable();
        syncUnsynced();
        system.checkpoint(dir.resolve("system"));
        for (TableCatalog.Entry e : catalog.tables().values()) {
            engines.get(e.info().getName()).checkpoint(dir.resolve("tables").resolve(e.directoryName()));
        }
    }

    /**
     * Copies the checkpoints in {@code dir} (already verified against their checksums by the
     * runtime) into a new state generation and switches to it. Copied, not linked: engines may
     * change their files in place, and the runtime's snapshot must stay as it is to be sent on.
     */
    @Override
    public void restoreFrom(Path dir, Snapshot meta) {
        if (closed) {
            throw new IllegalStateException("partition replica in " + root + " is closed");
        }
        Path incoming = root.resolve(INCOMING);
        SnapshotArchive.deleteTree(incoming);
        try {
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile).toList();
            }
            Files.createDirectories(incoming);
            for (Path f : files) {
                Path to = incoming.resolve(dir.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
            SnapshotArchive.fsyncTree(incoming);
            install(incoming, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore snapshot " + meta.index() + " from " + dir + " into " + root, e);
        }
    }

    @Override
    public void restore(Snapshot snapshot) {
        if (closed) {
            throw new IllegalStateException("partition replica in " + root + " is closed");
        }
        Path incoming = root.resolve(INCOMING);
        SnapshotArchive.deleteTree(incoming);
        try {
            if (snapshot.data().length == 0) {
                Files.createDirectories(incoming);
            } else {
                SnapshotArchive.unpack(snapshot.data(), incoming); // verifies everything before the live state is touched
            }
            install(incoming, snapshot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore a snapshot into " + root, e);
        }
    }

    /** Makes the state in {@code incoming} (complete, synced) the live state as of {@code snapshot.index()}. */
    private void install(Path incoming, Snapshot snapshot) throws IOException {
        // the checkpoint's index may lag (entries without a command are counted lazily): stamp the snapshot's own
        stampAppliedIndex(incoming, snapshot.index());
        restoring = true;
        lock.writeLock().lock();
        try {
            closeEngines();
            int next = generation + 1;
            Path nextDir = root.resolve("state-" + next);
            SnapshotArchive.deleteTree(nextDir);
            Files.move(incoming, nextDir, StandardCopyOption.ATOMIC_MOVE);
            SnapshotArchive.fsyncDirectory(root);
            writeCurrent(next);
            haltedBecause = null;
            openState(next);
            if (appliedIndex < snapshot.index()) { // an empty snapshot: a new state, stamped now
                system.write(WriteOptions.SYNC, new WriteBatch().put(EngineKeys.APPLIED_INDEX, EngineKeys.u64(snapshot.index())));
                appliedIndex = snapshot.index();
            }
        } finally {
            restoring = false;
            lock.writeLock().unlock();
        }
        LOG.info("partition replica in {} restored a snapshot at index {}", root, snapshot.index());
    }

    // ------------------------------------------------------------------ reads

    /** The value of {@code key} in {@code table}, or null. */
    public byte[] get(String table, byte[] key) {
        failFastWhileRestoring();
        lock.readLock().lock();
        try {
            StorageEngine e = readable(table);
            checkReadKey(key, "key");
            return e.get(EngineKeys.data(key));
        } catch (EngineClosedException e) {
            throw new PartitionReadException(StatusCode.NOT_FOUND, "table '" + table + "' was dropped");
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The values of {@code keys} in order (null for a missing key), read at one point in time. */
    public List<byte[]> multiGet(String table, List<byte[]> keys) {
        failFastWhileRestoring();
        lock.readLock().lock();
        try {
            StorageEngine e = readable(table);
            if (keys.size() > options.maxBatchOperations()) {
                throw new PartitionReadException(StatusCode.INVALID_ARGUMENT, "multi_get of " + keys.size()
                        + " keys is over the limit of " + options.maxBatchOperations());
            }
            for (byte[] k : keys) {
                checkReadKey(k, "key");
            }
            try (io.kvkit.engine.api.Snapshot snap = e.snapshot()) {
                List<byte[]> out = new ArrayList<>(keys.size());
                for (byte[] k : keys) {
                    out.add(e.get(ReadOptions.at(snap), EngineKeys.data(k)));
                }
                return out;
            }
        } catch (EngineClosedException e) {
            throw new PartitionReadException(StatusCode.NOT_FOUND, "table '" + table + "' was dropped");
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Up to {@code limit} pairs of {@code table} with keys in [start, end) (an empty bound is
     * unbounded), ascending or, with {@code reverse}, descending from {@code end}.
     *
     * @throws PartitionReadException UNSUPPORTED when the table's engine cannot order its keys
     */
    public ScanResponse scan(String table, byte[] start, byte[] end, int limit, boolean reverse, boolean keysOnly) {
        failFastWhileRestoring();
        lock.readLock().lock();
        try {
            StorageEngine e = readable(table);
            if (limit < 1 || limit > options.maxScanLimit()) {
                throw new PartitionReadException(StatusCode.INVALID_ARGUMENT, "scan limit " + limit
                        + " is not allowed (allowed: 1 to " + options.maxScanLimit() + ")");
            }
            // a bound may be one byte longer than a key: the client continues a scan at last_key + 0x00
            for (byte[] bound : List.of(start, end)) {
                if (bound.length > options.maxKeyBytes() + 1) {
                    throw new PartitionReadException(StatusCode.INVALID_ARGUMENT, "scan bound of " + bound.length
                            + " bytes is over the limit of " + (options.maxKeyBytes() + 1) + " (max_key_bytes + 1)");
                }
            }
            KeyRange range = EngineKeys.dataRange(start, end);
            ScanResponse.Builder out = ScanResponse.newBuilder();
            try (Cursor c = reverse ? e.scanReverse(ReadOptions.DEFAULT, range) : e.scan(ReadOptions.DEFAULT, range)) {
                int n = 0;
                while (c.next()) {
                    if (n == limit) {
                        out.setMore(true);
                        break;
                    }
                    out.addEntries(KeyValue.newBuilder().setKey(ByteString.copyFrom(EngineKeys.user(c.key())))
                            .setValue(keysOnly ? ByteString.EMPTY : ByteString.copyFrom(c.value())));
                    n++;
                }
            }
            return out.build();
        } catch (UnsupportedFeatureException x) {
            String name = table.isEmpty() ? TableCatalog.DEFAULT_TABLE : table;
            List<String> can = StorageEngines.namesWith(c -> reverse ? c.reverseScan() : c.orderedScan());
            throw new PartitionReadException(StatusCode.UNSUPPORTED, "table '" + name + "' uses engine '"
                    + engines.get(name).name() + "', which cannot " + (reverse ? "scan in reverse" : "scan in key order")
                    + "; engines that can: " + can);
        } catch (EngineClosedException e) {
            throw new PartitionReadException(StatusCode.NOT_FOUND, "table '" + table + "' was dropped");
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The statistics of each engine of this replica: the system store as {@code _system}, then every table. */
    public java.util.Map<String, io.kvkit.engine.api.EngineStats> engineStats() {
        java.util.Map<String, io.kvkit.engine.api.EngineStats> out = new java.util.LinkedHashMap<>();
        lock.readLock().lock();
        try {
            if (closed || system == null) {
                return out;
            }
            out.put("_system", system.stats());
            for (var e : new java.util.TreeMap<>(engines).entrySet()) {
                out.put(e.getKey(), e.getValue().stats());
            }
        } catch (RuntimeException e) {
            // an engine closed under a drop or restore: a scrape shows what it could read
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    /** The engine name of each table of this replica. */
    public java.util.Map<String, String> tableEngines() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        catalog.tables().values().forEach(e -> out.put(e.info().getName(), e.info().getEngine()));
        return out;
    }

    /** The tables of this replica, by name. */
    public List<TableInfo> tables() {
        return catalog.tables().values().stream().map(TableCatalog.Entry::info).toList();
    }

    /** The session table (for tests and replica comparison; apply thread only). */
    SessionTable sessions() {
        return sessions;
    }

    // ------------------------------------------------------------------ apply

    /** What one command does: its reply and the batch (in {@code target}'s key space) that carries its effects. */
    private record Outcome(Response reply, StorageEngine target, WriteBatch batch, boolean sync,
                           Runnable afterCommit, boolean sessionBase) {
        static Outcome reply(Response reply) {
            return new Outcome(reply, null, new WriteBatch(), false, null, false);
        }
    }

    private byte[] applyChecked(long index, byte[] command) {
        Request request;
        try {
            request = PartitionCommand.decode(command);
        } catch (IllegalArgumentException e) {
            appliedIndex = index; // no effect: the index advances lazily
            return error(StatusCode.INVALID_ARGUMENT, e.getMessage()).toByteArray();
        }
        Session session = request.hasSession() ? request.getSession() : null;
        if (session != null) {
            if (session.getClientId() == 0 || session.getSeq() < 1) {
                appliedIndex = index;
                return error(StatusCode.INVALID_ARGUMENT, "session client_id " + Long.toUnsignedString(session.getClientId())
                        + " seq " + Long.toUnsignedString(session.getSeq())
                        + " is not allowed (allowed: a non-zero client_id and seq >= 1)").toByteArray();
            }
            switch (sessions.check(session, index)) {
                case SessionTable.Duplicate d -> {
                    appliedIndex = index; // the table is unchanged by check: nothing to persist
                    return d.reply();
                }
                case SessionTable.Expired x -> {
                    appliedIndex = index;
                    return error(StatusCode.SESSION_EXPIRED, x.reason()).toByteArray();
                }
                case SessionTable.Apply a -> {
                }
            }
        }
        Outcome o;
        try {
            o = execute(index, request);
        } catch (IllegalArgumentException e) {
            o = Outcome.reply(error(StatusCode.INVALID_ARGUMENT, e.getMessage()));
        } catch (TableNotFound e) {
            o = Outcome.reply(error(StatusCode.NOT_FOUND, e.getMessage()));
        }
        byte[] reply = o.reply().toByteArray();
        StorageEngine target = o.target();
        if (target == null && session == null) {
            appliedIndex = index; // an error without a session changes nothing
            return reply;
        }
        if (target == null) {
            target = system;
        }
        WriteBatch batch = o.batch();
        batch.put(EngineKeys.APPLIED_INDEX, EngineKeys.u64(index));
        if (session != null) {
            sessions.record(session, reply, index);
            journal.append(batch, index, session, reply);
        }
        if (o.sessionBase()) {
            journal.appendBase(batch, sessions);
        }
        write(target, batch, o.sync());
        if (o.afterCommit() != null) {
            o.afterCommit().run();
        }
        if (journal.baseDue()) {
            WriteBatch base = new WriteBatch().put(EngineKeys.APPLIED_INDEX, EngineKeys.u64(index));
            journal.appendBase(base, sessions);
            write(system, base, false);
        }
        appliedIndex = index;
        return reply;
    }

    private Outcome execute(long index, Request r) {
        String table = r.getTable().isEmpty() ? TableCatalog.DEFAULT_TABLE : r.getTable();
        return switch (r.getBodyCase()) {
            case PUT -> {
                StorageEngine e = table(table);
                checkKey(r.getPut().getKey().toByteArray(), "put key");
                checkValue(r.getPut().getValue().size(), "put value");
                WriteBatch b = new WriteBatch().put(EngineKeys.data(r.getPut().getKey().toByteArray()), r.getPut().getValue().toByteArray());
                yield effect(e, b, ok().setPut(PutResponse.getDefaultInstance()).build());
            }
            case DELETE -> {
                StorageEngine e = table(table);
                byte[] key = EngineKeys.data(checkKey(r.getDelete().getKey().toByteArray(), "delete key"));
                boolean existed = e.get(key) != null;
                yield effect(e, new WriteBatch().delete(key),
                        ok().setDelete(DeleteResponse.newBuilder().setExisted(existed)).build());
            }
            case BATCH -> {
                StorageEngine e = table(table);
                List<BatchOperation> ops = r.getBatch().getOperationsList();
                if (ops.isEmpty() || ops.size() > options.maxBatchOperations()) {
                    throw new IllegalArgumentException("batch of " + ops.size() + " operations is not allowed (allowed: 1 to "
                            + options.maxBatchOperations() + ")");
                }
                WriteBatch b = new WriteBatch();
                for (int i = 0; i < ops.size(); i++) {
                    BatchOperation op = ops.get(i);
                    byte[] key = EngineKeys.data(checkKey(op.getKey().toByteArray(), "batch operation " + i + " key"));
                    switch (op.getKind()) {
                        case PUT -> {
                            checkValue(op.getValue().size(), "batch operation " + i + " value");
                            b.put(key, op.getValue().toByteArray());
                        }
                        case DELETE -> b.delete(key);
                        default -> throw new IllegalArgumentException("batch operation " + i + " has kind " + op.getKind()
                                + " (allowed: PUT, DELETE)");
                    }
                }
                yield effect(e, b, ok().setBatch(BatchResponse.getDefaultInstance()).build());
            }
            case COMPARE_AND_SET -> {
                StorageEngine e = table(table);
                CompareAndSetRequest cas = r.getCompareAndSet();
                byte[] key = EngineKeys.data(checkKey(cas.getKey().toByteArray(), "compare_and_set key"));
                if (!cas.getExpectAbsent()) {
                    checkValue(cas.getExpectedValue().size(), "compare_and_set expected_value");
                }
                if (!cas.getDelete()) {
                    checkValue(cas.getNewValue().size(), "compare_and_set new_value");
                }
                byte[] current = e.get(key);
                boolean matches = cas.getExpectAbsent() ? current == null
                        : current != null && Arrays.equals(current, cas.getExpectedValue().toByteArray());
                CompareAndSetResponse.Builder reply = CompareAndSetResponse.newBuilder().setSucceeded(matches)
                        .setCurrentExists(current != null);
                if (current != null) {
                    reply.setCurrentValue(ByteString.copyFrom(current));
                }
                WriteBatch b = new WriteBatch();
                if (matches) {
                    if (cas.getDelete()) {
                        b.delete(key);
                    } else {
                        b.put(key, cas.getNewValue().toByteArray());
                    }
                }
                yield effect(e, b, ok().setCompareAndSet(reply).build());
            }
            case CREATE_TABLE -> createTable(index, r.getCreateTable());
            case DROP_TABLE -> dropTable(r.getDropTable().getName());
            default -> throw new IllegalArgumentException("request body " + r.getBodyCase()
                    + " is not a partition command (allowed: put, delete, batch, compare_and_set, create_table, drop_table)");
        };
    }

    private Outcome createTable(long index, CreateTableRequest c) {
        String name = TableCatalog.checkName(c.getName());
        List<String> known = StorageEngines.names();
        if (!known.contains(c.getEngine())) {
            throw new IllegalArgumentException("engine '" + c.getEngine() + "' is not known (allowed: " + known + ")");
        }
        for (String k : c.getOptionsMap().keySet()) {
            if (k.equals(EngineConfig.MAX_KEY_BYTES) || k.equals(EngineConfig.MAX_VALUE_BYTES)) {
                throw new IllegalArgumentException("table option '" + k + "' is not allowed: limits are the partition's");
            }
        }
        TableCatalog.Entry existing = catalog.tables().get(name);
        if (existing != null) {
            if (existing.sameDefinition(c.getEngine(), c.getOptionsMap())) {
                return Outcome.reply(ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(false)).build());
            }
            return Outcome.reply(error(StatusCode.ALREADY_EXISTS, "table '" + name + "' exists with engine '"
                    + existing.info().getEngine() + "' and options " + existing.info().getOptionsMap()));
        }
        TableCatalog.Entry entry = new TableCatalog.Entry(TableInfo.newBuilder().setName(name).setEngine(c.getEngine())
                .putAllOptions(c.getOptionsMap()).build(), index);
        Path dir = tablesDir(stateDir).resolve(entry.directoryName());
        SnapshotArchive.deleteTree(dir); // a leftover of a crash between opening and committing this very create
        StorageEngine engine;
        try {
            engine = openEngine(c.getEngine(), dir, c.getOptionsMap(), false);
        } catch (InvalidArgumentException | UnsupportedFeatureException e) {
            SnapshotArchive.deleteTree(dir);
            throw new IllegalArgumentException("table '" + name + "' cannot be created: " + e.getMessage());
        }
        TableCatalog next = catalog.with(entry);
        WriteBatch b = new WriteBatch().put(EngineKeys.CATALOG, next.toBytes());
        Runnable publish = () -> {
            lock.writeLock().lock();
            try {
                engines.put(name, engine);
                catalog = next;
            } finally {
                lock.writeLock().unlock();
            }
        };
        return new Outcome(ok().setCreateTable(CreateTableResponse.newBuilder().setCreated(true)).build(), system, b, true,
                publish, false);
    }

    private Outcome dropTable(String rawName) {
        String name = TableCatalog.checkName(rawName);
        if (name.equals(TableCatalog.DEFAULT_TABLE)) {
            throw new IllegalArgumentException("the default table cannot be dropped");
        }
        TableCatalog.Entry entry = catalog.tables().get(name);
        if (entry == null) {
            throw new TableNotFound(name, catalog);
        }
        TableCatalog next = catalog.without(name);
        WriteBatch b = new WriteBatch().put(EngineKeys.CATALOG, next.toBytes());
        Runnable remove = () -> {
            StorageEngine engine;
            lock.writeLock().lock();
            try {
                catalog = next;
                engine = engines.remove(name);
            } finally {
                lock.writeLock().unlock();
            }
            if (engine == unsynced) {
                unsynced = null; // its data goes away with it; the drop itself was synced
            }
            engine.close();
            SnapshotArchive.deleteTree(tablesDir(stateDir).resolve(entry.directoryName()));
        };
        // the dropped engine takes its session journal records with it: fold them into a base first
        return new Outcome(ok().setDropTable(DropTableResponse.getDefaultInstance()).build(), system, b, true, remove, true);
    }

    private Outcome effect(StorageEngine e, WriteBatch b, Response reply) {
        return new Outcome(reply, e, b, false, null, false);
    }

    /**
     * Writes {@code batch} to {@code target}. An engine other than the last one written is synced
     * first, so a crash (even a power loss) leaves the engines holding a prefix of the commands.
     */
    private void write(StorageEngine target, WriteBatch batch, boolean sync) {
        if (unsynced != null && unsynced != target) {
            unsynced.sync();
            unsynced = null;
        }
        boolean mustSync = sync || !target.capabilities().unsyncedWritesSurviveProcessCrash();
        target.write(mustSync ? WriteOptions.SYNC : WriteOptions.DEFAULT, batch);
        unsynced = mustSync ? null : target;
    }

    private void syncUnsynced() {
        if (unsynced != null) {
            unsynced.sync();
            unsynced = null;
        }
    }

    // ------------------------------------------------------------------ validation

    /** A missing table: NOT_FOUND, deterministic on every replica. */
    private static final class TableNotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TableNotFound(String table, TableCatalog catalog) {
            super("table '" + table + "' does not exist on this partition (tables: " + catalog.tables().keySet() + ")", null,
                    false, false);
        }
    }

    private StorageEngine table(String name) {
        StorageEngine e = engines.get(name);
        if (e == null) {
            throw new TableNotFound(name, catalog);
        }
        return e;
    }

    private void failFastWhileRestoring() {
        if (restoring) {
            throw new PartitionReadException(StatusCode.UNAVAILABLE, "the replica is installing a snapshot; retry");
        }
    }

    private StorageEngine readable(String table) {
        checkUsable();
        String name = table.isEmpty() ? TableCatalog.DEFAULT_TABLE : table;
        StorageEngine e = engines.get(name);
        if (e == null) {
            throw new PartitionReadException(StatusCode.NOT_FOUND, "table '" + name
                    + "' does not exist on this partition (tables: " + catalog.tables().keySet() + ")");
        }
        return e;
    }

    private byte[] checkKey(byte[] key, String what) {
        if (key.length == 0) {
            throw new IllegalArgumentException(what + " is empty (allowed: 1 to " + options.maxKeyBytes() + " bytes)");
        }
        if (key.length > options.maxKeyBytes()) {
            throw new IllegalArgumentException(what + " of " + key.length + " bytes is over the limit of "
                    + options.maxKeyBytes() + " bytes (max_key_bytes)");
        }
        return key;
    }

    private void checkReadKey(byte[] key, String what) {
        try {
            checkKey(key, what);
        } catch (IllegalArgumentException e) {
            throw new PartitionReadException(StatusCode.INVALID_ARGUMENT, e.getMessage());
        }
    }

    private void checkValue(int length, String what) {
        if (length > options.maxValueBytes()) {
            throw new IllegalArgumentException(what + " of " + length + " bytes is over the limit of "
                    + options.maxValueBytes() + " bytes (max_value_bytes)");
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("partition replica in " + root + " is closed");
        }
        String why = haltedBecause;
        if (why != null) {
            throw new IllegalStateException("partition replica in " + root + " is halted (reopen it to recover): " + why);
        }
    }

    private static Response.Builder ok() {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(StatusCode.OK));
    }

    private static Response error(StatusCode code, String message) {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(code).setMessage(message)).build();
    }

    // ------------------------------------------------------------------ files

    private void openState(int gen) throws IOException {
        generation = gen;
        stateDir = root.resolve("state-" + gen);
        boolean fresh = !Files.exists(stateDir);
        Files.createDirectories(stateDir);
        if (fresh) {
            writeCurrent(gen);
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!p.equals(stateDir) && (n.startsWith("state-") || n.equals(INCOMING) || n.equals(SNAPSHOT_STAGING))) {
                    SnapshotArchive.deleteTree(p); // an older generation, or a restore or snapshot cut short
                }
            }
        }
        system = openEngine(options.systemEngine(), stateDir.resolve("system"), options.systemEngineOptions(), true);
        byte[] stored = system.get(EngineKeys.CATALOG);
        TableCatalog cat;
        if (stored == null) {
            cat = new TableCatalog(Map.of(TableCatalog.DEFAULT_TABLE, new TableCatalog.Entry(TableInfo.newBuilder()
                    .setName(TableCatalog.DEFAULT_TABLE).setEngine(options.defaultTableEngine())
                    .putAllOptions(options.defaultTableOptions()).build(), 0)));
            system.write(WriteOptions.SYNC, new WriteBatch().put(EngineKeys.CATALOG, cat.toBytes()));
        } else {
            cat = TableCatalog.fromBytes(stored);
        }
        Path tables = tablesDir(stateDir);
        Files.createDirectories(tables);
        Map<String, Path> wanted = new HashMap<>();
        for (TableCatalog.Entry e : cat.tables().values()) {
            wanted.put(e.directoryName(), tables.resolve(e.directoryName()));
        }
        try (Stream<Path> s = Files.list(tables)) {
            for (Path p : s.toList()) {
                if (!wanted.containsKey(p.getFileName().toString())) {
                    SnapshotArchive.deleteTree(p); // a drop or a create cut short by a crash
                }
            }
        }
        long applied = storedAppliedIndex(system);
        for (TableCatalog.Entry e : cat.tables().values()) {
            StorageEngine engine = openEngine(e.info().getEngine(), tables.resolve(e.directoryName()), e.info().getOptionsMap(), false);
            engines.put(e.info().getName(), engine);
            applied = Math.max(applied, storedAppliedIndex(engine));
        }
        catalog = cat;
        List<StorageEngine> all = new ArrayList<>(engines.values());
        all.add(system);
        SessionJournal.Loaded loaded = SessionJournal.load(system, all, options.sessions());
        sessions = loaded.table();
        journal = loaded.journal();
        appliedIndex = applied;
        unsynced = null;
        LOG.info("partition replica in {} opened at applied index {} with tables {}", root, applied, cat.tables().keySet());
    }

    private StorageEngine openEngine(String engine, Path dir, Map<String, String> engineOptions, boolean systemStore) {
        long sessionChunk = systemStore ? SessionJournal.BASE_CHUNK_BYTES : 0;
        long valueLimit = Math.max((long) options.maxValueBytes() + RECORD_SLACK_BYTES, sessionChunk);
        EngineConfig config = EngineConfig.builder(dir).maxKeyBytes(options.maxKeyBytes() + 1)
                .maxValueBytes((int) Math.min(Integer.MAX_VALUE, valueLimit)).options(engineOptions).build();
        return StorageEngines.open(engine, config);
    }

    private static long storedAppliedIndex(StorageEngine e) {
        byte[] v = e.get(EngineKeys.APPLIED_INDEX);
        return v == null ? 0 : EngineKeys.u64(v);
    }

    private void stampAppliedIndex(Path state, long index) {
        Path sys = state.resolve("system");
        if (!Files.exists(sys)) {
            return; // an empty snapshot: the new state is created at open, stamped after it
        }
        try (StorageEngine e = openEngine(options.systemEngine(), sys, options.systemEngineOptions(), true)) {
            e.write(WriteOptions.SYNC, new WriteBatch().put(EngineKeys.APPLIED_INDEX, EngineKeys.u64(index)));
        }
    }

    private static Path tablesDir(Path state) {
        return state.resolve("tables");
    }

    private int readCurrent() throws IOException {
        Path current = root.resolve(CURRENT);
        if (!Files.exists(current)) {
            return 0;
        }
        String s = Files.readString(current, StandardCharsets.US_ASCII).trim();
        if (!s.startsWith("state-")) {
            throw new IllegalStateException(current + " holds '" + s + "' (expected state-<generation>)");
        }
        return Integer.parseInt(s.substring("state-".length()));
    }

    /** Points CURRENT at {@code gen}: a new file renamed over the old one, then the directory synced. */
    private void writeCurrent(int gen) throws IOException {
        Path tmp = root.resolve(CURRENT + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(("state-" + gen + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SnapshotArchive.fsyncDirectory(root);
    }

    private void closeEngines() {
        for (StorageEngine e : engines.values()) {
            e.close();
        }
        engines.clear();
        if (system != null) {
            system.close();
            system = null;
        }
        unsynced = null;
    }

    /** Closes every engine; unsynced writes survive a process crash, and the Raft log covers the rest. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeEngines();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
