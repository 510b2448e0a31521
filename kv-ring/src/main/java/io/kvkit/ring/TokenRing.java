package io.kvkit.ring;

import java.util.Arrays;

/**
 * The tokens of a ring, sorted (unsigned), with the placement the pure DESIGN.md rule derives
 * from them: a partition's replicas are the first R distinct nodes (or zones) met walking
 * clockwise from the partition's start. Also the replication-aware token allocator.
 *
 * <p>Partition p covers hashes [p·2^(64-b), (p+1)·2^(64-b)) with b = log2(Q); its walk starts at
 * the first token t with t >= p·2^(64-b), i.e. with {@code slot(t) = t >>> (64-b) >= p}. So token
 * i is met first by the partitions (slot(t[i-1]), slot(t[i])] (cyclically): the "gap" of token i.
 * All partitions of one gap share one natural replica list, which is why the allocator can
 * evaluate a candidate token in O(R) gaps rather than per partition.
 *
 * <p>Mutable (tokens can be inserted); package-private; never shared between threads.
 */
final class TokenRing {
    /** Rings up to this many tokens have every gap evaluated for each new token. */
    static final int FULL_SCAN_TOKENS = 4096;
    /** Beyond that: the this-many largest gaps, plus as many spread evenly over the ring. */
    static final int SAMPLED_LARGEST_GAPS = 1024;

    private final int q;
    private final int log2q;
    private final int r;
    private final boolean zoneAware;
    private final int[] zoneOf;

    private long[] tok = new long[0];
    private int[] owner = new int[0];
    private int size;

    // natural list per gap, valid after computeNatural()
    private int[] naturalByGap = new int[0];
    private int[] naturalSize = new int[0];
    private boolean naturalValid;

    TokenRing(int q, int r, boolean zoneAware, int[] zoneOf) {
        this.q = q;
        this.log2q = Integer.numberOfTrailingZeros(q);
        this.r = r;
        this.zoneAware = zoneAware;
        this.zoneOf = zoneOf;
    }

    /** A token ring of the given nodes' tokens; {@code include[n]} false skips node n. */
    static TokenRing of(int q, int r, boolean zoneAware, int[] zoneOf, long[][] tokensByNode, boolean[] include) {
        TokenRing tr = new TokenRing(q, r, zoneAware, zoneOf);
        int total = 0;
        for (int n = 0; n < tokensByNode.length; n++) {
            if (include == null || include[n]) {
                total += tokensByNode[n].length;
            }
        }
        long[] biased = new long[total];
        int k = 0;
        for (int n = 0; n < tokensByNode.length; n++) {
            if (include == null || include[n]) {
                for (long t : tokensByNode[n]) {
                    biased[k++] = t ^ Long.MIN_VALUE; // unsigned order as signed order
                }
            }
        }
        Arrays.sort(biased);
        tr.tok = new long[Math.max(16, total)];
        tr.owner = new int[Math.max(16, total)];
        for (int i = 0; i < total; i++) {
            tr.tok[i] = biased[i] ^ Long.MIN_VALUE;
            if (i > 0 && biased[i] == biased[i - 1]) {
                throw new IllegalArgumentException("token " + Long.toUnsignedString(tr.tok[i]) + " is held twice");
            }
        }
        for (int n = 0; n < tokensByNode.length; n++) {
            if (include == null || include[n]) {
                for (long t : tokensByNode[n]) {
                    tr.owner[Arrays.binarySearch(biased, t ^ Long.MIN_VALUE)] = n;
                }
            }
        }
        tr.size = total;
        return tr;
    }

    int size() {
        return size;
    }

    long token(int i) {
        return tok[i];
    }

    int owner(int i) {
        return owner[i];
    }

    int slot(long token) {
        return log2q == 0 ? 0 : (int) (token >>> (64 - log2q));
    }

    /** Index of the first token met by partition p's walk (the token whose gap holds p). */
    int gapOfPartition(int p) {
        int lo = 0;
        int hi = size; // first index with slot >= p
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (slot(tok[mid]) >= p) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo == size ? 0 : lo;
    }

    /** Number of partitions in the gap of token i. */
    int gapCount(int i) {
        if (size == 1) {
            return q;
        }
        if (i == 0) {
            return slot(tok[0]) - slot(tok[size - 1]) + q;
        }
        return slot(tok[i]) - slot(tok[i - 1]);
    }

    void insert(long token, int node) {
        int pos = insertionPoint(token);
        if (size == tok.length) {
            tok = Arrays.copyOf(tok, Math.max(16, size * 2));
            owner = Arrays.copyOf(owner, tok.length);
        }
        System.arraycopy(tok, pos, tok, pos + 1, size - pos);
        System.arraycopy(owner, pos, owner, pos + 1, size - pos);
        tok[pos] = token;
        owner[pos] = node;
        size++;
        naturalValid = false;
    }

    void remove(long token) {
        for (int i = 0; i < size; i++) {
            if (tok[i] == token) {
                System.arraycopy(tok, i + 1, tok, i, size - i - 1);
                System.arraycopy(owner, i + 1, owner, i, size - i - 1);
                size--;
                naturalValid = false;
                return;
            }
        }
        throw new IllegalStateException("token " + Long.toUnsignedString(token) + " is not on the ring");
    }

    private int key(int node) {
        return zoneAware ? zoneOf[node] : node;
    }

    /** The natural replica list of every gap: first R distinct nodes (zones) from token i on. */
    void computeNatural() {
        if (naturalValid) {
            return;
        }
        ensureNaturalCapacity();
        for (int i = 0; i < size; i++) {
            computeGap(i);
        }
        naturalValid = true;
    }

    private void ensureNaturalCapacity() {
        if (naturalSize.length < tok.length) {
            naturalByGap = Arrays.copyOf(naturalByGap, tok.length * r);
            naturalSize = Arrays.copyOf(naturalSize, tok.length);
        }
    }

    private final int[] walkKeys = new int[8];

    /** The natural list of gap i: first R distinct nodes (zones) walking from token i. */
    private void computeGap(int i) {
        int n = 0;
        for (int step = 0; step < size && n < r; step++) {
            int j = i + step;
            if (j >= size) {
                j -= size;
            }
            int o = owner[j];
            int k = key(o);
            boolean seen = false;
            for (int m = 0; m < n; m++) {
                if (walkKeys[m] == k) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                walkKeys[n] = k;
                naturalByGap[i * r + n] = o;
                n++;
            }
        }
        naturalSize[i] = n;
    }

    private void addContribution(int g, long[] load, int sign) {
        int c = gapCount(g);
        for (int m = 0; m < naturalSize[g]; m++) {
            load[naturalByGap[g * r + m]] += sign * (long) c;
        }
    }

    /**
     * Inserts a token and updates the natural lists and the loads incrementally: only the gap it
     * splits and the gaps just before it whose walk reaches it before R distinct nodes change.
     */
    private void insertTracked(long token, int node, long[] load) {
        if (size < 2 || !naturalValid) {
            insert(token, node);
            computeNatural();
            Arrays.fill(load, 0);
            for (int g = 0; g < size; g++) {
                addContribution(g, load, 1);
            }
            return;
        }
        int pos = insertionPoint(token);
        int split = pos == size ? 0 : pos;
        // old indices of the affected predecessors
        int[] affected = new int[Math.min(size, 64)];
        int na = 0;
        int dn = 0;
        int j = pos;
        for (int step = 0; step < size - 1; step++) {
            j = j == 0 ? size - 1 : j - 1;
            if (j == split) {
                break;
            }
            int k = key(owner[j]);
            boolean seen = false;
            for (int m = 0; m < dn; m++) {
                if (walkKeys[m] == k) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                walkKeys[dn++] = k;
            }
            if (dn >= r) {
                break; // gap j's walk has R distinct nodes before it reaches the new token
            }
            if (na == affected.length) {
                affected = Arrays.copyOf(affected, na * 2);
            }
            affected[na++] = j;
        }
        addContribution(split, load, -1);
        for (int a = 0; a < na; a++) {
            addContribution(affected[a], load, -1);
        }
        insert(token, node); // shifts tok/owner; natural arrays are shifted below
        naturalValid = true;
        ensureNaturalCapacity();
        System.arraycopy(naturalByGap, pos * r, naturalByGap, (pos + 1) * r, (size - 1 - pos) * r);
        System.arraycopy(naturalSize, pos, naturalSize, pos + 1, size - 1 - pos);
        int newSplit = split < pos ? split : split + 1;
        computeGap(pos);
        computeGap(newSplit);
        addContribution(pos, load, 1);
        addContribution(newSplit, load, 1);
        for (int a = 0; a < na; a++) {
            int idx = affected[a] < pos ? affected[a] : affected[a] + 1;
            computeGap(idx);
            addContribution(idx, load, 1);
        }
    }

    private int insertionPoint(long token) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(tok[mid], token);
            if (c == 0) {
                throw new IllegalStateException("token " + Long.toUnsignedString(token) + " already on the ring");
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The natural (pure-rule) replicas of partition p, in walk order. */
    int[] naturalReplicas(int p) {
        computeNatural();
        if (size == 0) {
            return new int[0];
        }
        int g = gapOfPartition(p);
        return Arrays.copyOfRange(naturalByGap, g * r, g * r + naturalSize[g]);
    }

    /** Replicas per node index under the pure rule. */
    long[] naturalLoads(int nodeCount) {
        computeNatural();
        long[] load = new long[nodeCount];
        for (int i = 0; i < size; i++) {
            int c = gapCount(i);
            for (int m = 0; m < naturalSize[i]; m++) {
                load[naturalByGap[i * r + m]] += c;
            }
        }
        return load;
    }

    /**
     * Allocates {@code count} new tokens for node x where they even out the pure-rule ownership
     * against the targets: the replication-aware greedy of Cassandra's token allocator. Each new
     * token is placed at the midpoint of the existing gap whose split lowers the sum over nodes
     * of (replicas - target)^2 the most, computed exactly on the quantized ring (a gap's
     * partitions share one replica list, so a candidate costs O(R) gaps to evaluate).
     */
    long[] allocate(int x, int count, double[] target, long seedForFirstNode) {
        long[] out = new long[count];
        if (size == 0) {
            // the first node: evenly spaced tokens at a node-derived offset
            long step = count == 1 ? 0 : Long.divideUnsigned(-1L, count) + 1;
            for (int k = 0; k < count; k++) {
                out[k] = seedForFirstNode + k * step;
                insert(out[k], x);
            }
            return out;
        }
        int nodeCount = target.length;
        double[] delta = new double[nodeCount];
        int[] touched = new int[nodeCount];
        boolean[] isTouched = new boolean[nodeCount];
        long[] load = naturalLoads(nodeCount);
        // on big rings, the largest gaps (where a token gains most) plus an even sample of the
        // rest: bounded work per token, little loss in quality (threshold fixed per call)
        int minCount = Integer.MIN_VALUE;
        int stride = 1;
        if (size > FULL_SCAN_TOKENS) {
            int[] counts = new int[size];
            for (int i = 0; i < size; i++) {
                counts[i] = gapCount(i);
            }
            Arrays.sort(counts);
            minCount = counts[size - SAMPLED_LARGEST_GAPS];
            stride = size / SAMPLED_LARGEST_GAPS;
        }
        for (int k = 0; k < count; k++) {
            double bestScore = Double.POSITIVE_INFINITY;
            long bestToken = 0;
            long bestDist = 0;
            boolean found = false;
            for (int i = 0; i < size; i++) {
                if (minCount != Integer.MIN_VALUE && i % stride != 0 && gapCount(i) < minCount) {
                    continue;
                }
                int prev = i == 0 ? size - 1 : i - 1;
                long dist = tok[i] - tok[prev]; // unsigned distance; 0 means the full circle
                if (dist == 1 || (dist == 0 && size > 1)) {
                    continue;
                }
                long v = tok[prev] + (dist == 0 ? Long.MIN_VALUE : (dist >>> 1));
                double score = evaluate(i, prev, v, x, load, target, delta, touched, isTouched);
                boolean better = score < bestScore - 1e-9
                        || (Math.abs(score - bestScore) <= 1e-9 && Long.compareUnsigned(dist, bestDist) > 0);
                if (!found || better) {
                    found = true;
                    bestScore = score;
                    bestToken = v;
                    bestDist = dist;
                }
            }
            if (!found) {
                throw new IllegalStateException("no room for another token on the ring (" + size + " tokens)");
            }
            insertTracked(bestToken, x, load);
            out[k] = bestToken;
        }
        return out;
    }

    private double evaluate(int i, int prev, long v, int x, long[] load, double[] target,
                            double[] delta, int[] touched, boolean[] isTouched) {
        int nTouched = 0;
        int c1 = Math.floorMod(slot(v) - slot(tok[prev]), q);
        nTouched = gain(i, c1, x, delta, touched, isTouched, nTouched);
        int[] dkeys = walkKeys;
        int dn = 0;
        int xKey = key(x);
        int j = i;
        for (int step = 1; step < size; step++) {
            j = j == 0 ? size - 1 : j - 1;
            int k = key(owner[j]);
            boolean seen = false;
            for (int m = 0; m < dn; m++) {
                if (dkeys[m] == k) {
                    seen = true;
                    break;
                }
            }
            if (!seen) {
                dkeys[dn++] = k;
            }
            if (k == xKey || dn >= r) {
                break;
            }
            nTouched = gain(j, gapCount(j), x, delta, touched, isTouched, nTouched);
        }
        double score = 0;
        for (int t = 0; t < nTouched; t++) {
            int n = touched[t];
            double before = load[n] - target[n];
            double after = before + delta[n];
            score += after * after - before * before;
            delta[n] = 0;
            isTouched[n] = false;
        }
        return score;
    }

    private int gain(int g, int cnt, int x, double[] delta, int[] touched, boolean[] isTouched, int nTouched) {
        if (cnt == 0) {
            return nTouched;
        }
        int base = g * r;
        int sz = naturalSize[g];
        int displaced = -1;
        for (int m = 0; m < sz; m++) {
            int o = naturalByGap[base + m];
            if (o == x) {
                return nTouched; // x already a replica there: only the order changes
            }
            if (zoneAware && zoneOf[o] == zoneOf[x]) {
                displaced = o;
            }
        }
        if (displaced < 0 && sz == r) {
            displaced = naturalByGap[base + r - 1];
        }
        nTouched = touch(x, cnt, delta, touched, isTouched, nTouched);
        if (displaced >= 0) {
            nTouched = touch(displaced, -cnt, delta, touched, isTouched, nTouched);
        }
        return nTouched;
    }

    private static int touch(int n, int d, double[] delta, int[] touched, boolean[] isTouched, int nTouched) {
        if (!isTouched[n]) {
            isTouched[n] = true;
            touched[nTouched++] = n;
        }
        delta[n] += d;
        return nTouched;
    }
}
