package io.kvkit.engine.lsm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable set of live SSTables by level. Level 0 is ordered newest first (its files
 * overlap); deeper levels are ordered by key and their files never share a user key.
 */
final class Version {
    final List<List<FileMeta>> levels;

    Version(int numLevels) {
        List<List<FileMeta>> l = new ArrayList<>();
        for (int i = 0; i < numLevels; i++) {
            l.add(List.of());
        }
        this.levels = Collections.unmodifiableList(l);
    }

    private Version(List<List<FileMeta>> levels) {
        this.levels = Collections.unmodifiableList(levels);
    }

    List<FileMeta> files(int level) {
        return levels.get(level);
    }

    int numLevels() {
        return levels.size();
    }

    long levelBytes(int level) {
        long n = 0;
        for (FileMeta f : levels.get(level)) {
            n += f.fileSize();
        }
        return n;
    }

    /** This version with {@code edit} applied. */
    Version apply(VersionEdit edit) {
        List<List<FileMeta>> next = new ArrayList<>();
        for (List<FileMeta> files : levels) {
            next.add(new ArrayList<>(files));
        }
        for (VersionEdit.Deletion d : edit.deleted) {
            if (d.level() < 0 || d.level() >= next.size() || !next.get(d.level()).removeIf(f -> f.number() == d.number())) {
                throw new IllegalArgumentException("edit deletes file " + d.number() + " which is not in level " + d.level());
            }
        }
        for (VersionEdit.LevelFile a : edit.added) {
            if (a.level() < 0 || a.level() >= next.size()) {
                throw new IllegalArgumentException("edit adds file " + a.meta().number() + " to level " + a.level()
                        + " of a " + next.size() + "-level tree");
            }
            next.get(a.level()).add(a.meta());
        }
        next.get(0).sort(Comparator.comparingLong(FileMeta::number).reversed());
        for (int l = 1; l < next.size(); l++) {
            next.get(l).sort((x, y) -> Arrays.compareUnsigned(x.smallestKey(), y.smallestKey()));
        }
        Version v = new Version(next);
        if (Boolean.getBoolean("kvkit.paranoid")) {
            v.checkInvariants();
        }
        return v;
    }

    /** Deeper levels hold disjoint, sorted key ranges. */
    void checkInvariants() {
        for (int l = 1; l < levels.size(); l++) {
            List<FileMeta> files = levels.get(l);
            for (int i = 1; i < files.size(); i++) {
                if (Arrays.compareUnsigned(files.get(i - 1).largestKey(), files.get(i).smallestKey()) >= 0) {
                    throw new IllegalStateException("level " + l + " files " + files.get(i - 1).number() + " and "
                            + files.get(i).number() + " overlap");
                }
            }
        }
    }

    /** The file of level {@code level} (1 and up) whose range may hold {@code key}, or null. */
    FileMeta fileFor(int level, byte[] key) {
        List<FileMeta> files = levels.get(level);
        int lo = 0;
        int hi = files.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(files.get(mid).largestKey(), key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (lo < files.size() && Arrays.compareUnsigned(files.get(lo).smallestKey(), key) <= 0) {
            return files.get(lo);
        }
        return null;
    }

    /** Files of {@code level} overlapping [lo, hi] (null = unbounded). */
    List<FileMeta> overlapping(int level, byte[] lo, byte[] hi) {
        List<FileMeta> out = new ArrayList<>();
        for (FileMeta f : levels.get(level)) {
            if (f.overlaps(lo, hi)) {
                out.add(f);
            }
        }
        return out;
    }

    /** Every file of every level. */
    List<FileMeta> allFiles() {
        List<FileMeta> out = new ArrayList<>();
        for (List<FileMeta> files : levels) {
            out.addAll(files);
        }
        return out;
    }

    /** A full description of this version as one edit (the first record of a new manifest). */
    VersionEdit asEdit() {
        VersionEdit e = new VersionEdit();
        for (int l = 0; l < levels.size(); l++) {
            for (FileMeta f : levels.get(l)) {
                e.added.add(new VersionEdit.LevelFile(l, f));
            }
        }
        return e;
    }
}
