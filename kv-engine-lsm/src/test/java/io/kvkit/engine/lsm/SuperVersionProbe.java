package io.kvkit.engine.lsm;

import java.util.ArrayList;
import java.util.List;

/** Test access to the files of an engine's current version. */
final class SuperVersionProbe {
    record Table(int level, long number, long entries, long tombstones) {
    }

    private SuperVersionProbe() {
    }

    static List<Table> tables(LsmEngine db) {
        List<Table> out = new ArrayList<>();
        Version v = db.currentVersionForTest();
        for (int l = 0; l < v.numLevels(); l++) {
            for (FileMeta f : v.files(l)) {
                out.add(new Table(l, f.number(), f.entries(), f.tombstones()));
            }
        }
        return out;
    }
}
