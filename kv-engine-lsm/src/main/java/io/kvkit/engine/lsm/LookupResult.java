package io.kvkit.engine.lsm;

/** The answer of one source (memtable or SSTable) to a point lookup. */
record LookupResult(Kind kind, byte[] value) {
    enum Kind { FOUND, DELETED, NOT_FOUND }

    static final LookupResult NOT_FOUND = new LookupResult(Kind.NOT_FOUND, null);
    static final LookupResult DELETED = new LookupResult(Kind.DELETED, null);

    static LookupResult found(byte[] value) {
        return new LookupResult(Kind.FOUND, value);
    }
}
