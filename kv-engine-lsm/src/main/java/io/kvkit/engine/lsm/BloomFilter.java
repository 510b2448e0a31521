package io.kvkit.engine.lsm;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A cache-line-blocked bloom filter over user keys: a key's hash picks one 512-bit line and all
 * its probes fall inside it, so a lookup touches one cache line.
 * <pre>
 * filter = u32 lineCount | u8 probes | 3 zero bytes | line[lineCount] (64 bytes each)
 * </pre>
 * Key hash: XXH64 with seed 0. Line: high 32 bits of the hash times lineCount, shifted right 32.
 * Probe i: the top 9 bits of h_i, where h_0 = the low 32 bits of the hash and
 * h_{i+1} = h_i * 0x9E3779B9 (mod 2^32).
 */
final class BloomFilter {
    static final int HEADER = 8;
    private static final XXHash64 XXH = XXHashFactory.safeInstance().hash64();

    private BloomFilter() {
    }

    static long hash(byte[] key) {
        return XXH.hash(key, 0, key.length, 0);
    }

    static int probesFor(int bitsPerKey) {
        return Math.max(1, Math.min(24, (int) Math.round(bitsPerKey * 0.69)));
    }

    /** Builds the filter for {@code count} hashes. */
    static byte[] build(long[] hashes, int count, int bitsPerKey) {
        int lines = (int) Math.max(1, ((long) count * bitsPerKey + 511) / 512);
        int probes = probesFor(bitsPerKey);
        byte[] out = new byte[HEADER + lines * 64];
        Bits.putIntLE(out, 0, lines);
        out[4] = (byte) probes;
        for (int i = 0; i < count; i++) {
            long h = hashes[i];
            int line = (int) (((h >>> 32) * lines) >>> 32);
            int base = HEADER + line * 64;
            int h2 = (int) h;
            for (int p = 0; p < probes; p++) {
                int bit = h2 >>> 23;
                out[base + (bit >>> 3)] |= (byte) (1 << (bit & 7));
                h2 *= 0x9E3779B9;
            }
        }
        return out;
    }

    /** Whether the filter in {@code filter} may contain the key with hash {@code h}. */
    static boolean mayContain(MemorySegment filter, long h) {
        int lines = filter.get(Bits.SEG_INT_LE, 0);
        int probes = filter.get(ValueLayout.JAVA_BYTE, 4);
        int line = (int) (((h >>> 32) * lines) >>> 32);
        long base = HEADER + (long) line * 64;
        int h2 = (int) h;
        for (int p = 0; p < probes; p++) {
            int bit = h2 >>> 23;
            if ((filter.get(ValueLayout.JAVA_BYTE, base + (bit >>> 3)) & (1 << (bit & 7))) == 0) {
                return false;
            }
            h2 *= 0x9E3779B9;
        }
        return true;
    }
}
