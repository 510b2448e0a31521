package io.kvkit.server.meta;

import io.kvkit.server.meta.proto.CreateTableCommand;
import io.kvkit.server.meta.proto.DropTableCommand;
import io.kvkit.server.meta.proto.MetaCommand;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Encoders for the meta group's commands (meta.proto's {@code MetaCommand} oneof): the bytes a
 * node gives to the meta group's {@code RaftGroup.propose}. The state machine checks them, not
 * the encoder, so that every replica judges a command by the same rules.
 */
public final class MetaCommands {

    private MetaCommands() {
    }

    /** Creates table {@code name} with {@code engine} and {@code options}. */
    public static byte[] createTable(String name, String engine, Map<String, String> options) {
        CreateTableCommand.Builder c = CreateTableCommand.newBuilder().setName(Objects.requireNonNull(name, "name"))
                .setEngine(Objects.requireNonNull(engine, "engine"));
        c.putAllOptions(new TreeMap<>(options)); // sorted: the same request gives the same bytes
        return MetaCommand.newBuilder().setCreateTable(c).build().toByteArray();
    }

    /** Drops table {@code name}. */
    public static byte[] dropTable(String name) {
        return MetaCommand.newBuilder().setDropTable(DropTableCommand.newBuilder().setName(Objects.requireNonNull(name, "name")))
                .build().toByteArray();
    }
}
