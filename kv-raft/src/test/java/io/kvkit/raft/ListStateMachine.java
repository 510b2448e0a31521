package io.kvkit.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** For tests: keeps the applied commands in a list; its snapshot is the list itself. */
public final class ListStateMachine implements StateMachine {
    public final List<String> items = new ArrayList<>();
    private long applied;

    @Override
    public void apply(Entry e) {
        applied = e.index();
        if (e.type() == EntryType.NORMAL && e.data().length > 0) {
            items.add(new String(e.data(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public long appliedIndex() {
        return applied;
    }

    @Override
    public byte[] snapshot() {
        return String.join("\n", items).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void restore(Snapshot s) {
        items.clear();
        String text = new String(s.data(), StandardCharsets.UTF_8);
        if (!text.isEmpty()) {
            items.addAll(List.of(text.split("\n")));
        }
        applied = s.index();
    }
}
