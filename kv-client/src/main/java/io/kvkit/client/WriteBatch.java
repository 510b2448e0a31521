package io.kvkit.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Puts and deletes applied together, in order (a later operation on a key wins). Atomic when
 * all keys fall in one partition ({@link KvTable#batch}); {@link KvTable#batchPerPartition}
 * applies a batch spanning partitions as one atomic batch per partition. Not thread-safe.
 */
public final class WriteBatch {
    /** One operation; {@code value} is null for a delete. */
    public record Operation(byte[] key, byte[] value) {
        public boolean isDelete() {
            return value == null;
        }
    }

    private final List<Operation> operations = new ArrayList<>();

    public WriteBatch put(byte[] key, byte[] value) {
        operations.add(new Operation(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value")));
        return this;
    }

    public WriteBatch delete(byte[] key) {
        operations.add(new Operation(Objects.requireNonNull(key, "key"), null));
        return this;
    }

    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    public int size() {
        return operations.size();
    }
}
