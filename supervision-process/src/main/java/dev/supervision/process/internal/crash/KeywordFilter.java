package dev.supervision.process.internal.crash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tells whether a line contains any of a set of ASCII keywords, without allocating: a sampled q-gram
 * filter. Each keyword is represented by its {@code m}-byte window that looks least like ordinary text
 * (lower-case letters and spaces), {@code m} being the shortest keyword's length; every four-byte group
 * (quad) of every window is entered in an 8 KiB bit set (a 16-bit hash of the quad). The scan looks at one
 * quad every {@code m - 3} bytes (12 for the built-in keywords): any occurrence of a window holds exactly
 * one sampled quad, so nothing is missed, and since the samples do not depend on each other (unlike the
 * shifts of Wu-Manber, whose each table load waits for the previous one) the CPU overlaps their loads,
 * two at a time. Only a quad whose bit is set (rare in ordinary logs: about one line in a hundred) is
 * verified against the keywords that have that quad, at the offset it has in them.
 *
 * <p>It works on UTF-8 bytes as well as on chars: keywords are ASCII, and no byte of a multi-byte UTF-8
 * sequence is ASCII. Immutable and thread-safe.
 */
final class KeywordFilter {
    /** Reads four bytes with one bounds check, little-endian. */
    private static final VarHandle QUADS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** Bytes per sample. */
    private static final int Q = 4;

    private final int stride;
    /** The shortest keyword's length: a shorter line holds none. */
    private final int minLength;
    /** Bit {@code h} set: some window has a quad of hash {@code h}. */
    private final long[] bits = new long[1 << 10];
    /** For a hash whose bit is set: 1 + the index of its candidates in {@link #candidates}. */
    private final char[] bucket = new char[1 << 16];
    private final Candidate[][] candidates;

    KeywordFilter(List<String> keywords) {
        if (keywords.isEmpty()) throw new IllegalArgumentException("keywords must not be empty");
        int m = Integer.MAX_VALUE;
        for (String k : keywords) m = Math.min(m, k.length());
        if (m < Q) throw new IllegalArgumentException("keywords must have at least " + Q + " characters, was " + keywords);
        stride = m - Q + 1;
        minLength = m;
        Map<Integer, List<Candidate>> byHash = new LinkedHashMap<>();
        for (int index = 0; index < keywords.size(); index++) {
            byte[] b = keywords.get(index).getBytes(StandardCharsets.US_ASCII);
            int at = window(b, m);
            for (int q = at + Q - 1; q < at + m; q++) {
                int h = hash(quad(b, q));
                bits[h >>> 6] |= 1L << h;
                List<Candidate> list = byHash.computeIfAbsent(h, x -> new ArrayList<>());
                Candidate c = new Candidate(b, q, index);
                if (!list.contains(c)) list.add(c);
            }
        }
        candidates = new Candidate[byHash.size()][];
        int i = 0;
        for (Map.Entry<Integer, List<Candidate>> e : byHash.entrySet()) {
            bucket[e.getKey()] = (char) (i + 1);
            candidates[i++] = e.getValue().toArray(Candidate[]::new);
        }
    }

    /** A keyword (the {@code index}th given) with a quad ending {@code back} bytes after the keyword's start. */
    private record Candidate(byte[] keyword, int back, int index) {
        @Override public boolean equals(Object o) {
            return o instanceof Candidate c && c.back == back && c.index == index && Arrays.equals(c.keyword, keyword);
        }

        @Override public int hashCode() {
            return 31 * (31 * Arrays.hashCode(keyword) + back) + index;
        }
    }

    /** Where in {@code k} the {@code m}-byte window with the rarest-looking pairs starts. */
    private static int window(byte[] k, int m) {
        int best = 0;
        int bestScore = Integer.MAX_VALUE;
        for (int at = 0; at + m <= k.length; at++) {
            int score = 0;
            for (int q = at + 1; q < at + m; q++) score += common(k[q - 1], k[q]);
            if (score < bestScore) {
                bestScore = score;
                best = at;
            }
        }
        return best;
    }

    /** How ordinary a byte pair looks: how many of its bytes are lower-case letters or spaces. */
    private static int common(byte a, byte b) {
        return (ordinary(a) ? 1 : 0) + (ordinary(b) ? 1 : 0);
    }

    private static boolean ordinary(byte c) {
        return c >= 'a' && c <= 'z' || c == ' ';
    }

    /** Whether {@code buf[off, off + len)} contains a keyword. */
    boolean anyIn(byte[] buf, int off, int len) {
        return findIn(buf, off, off + len) >= 0;
    }

    /**
     * Where a keyword occurrence lying in {@code buf[from, to)} starts, or -1 if there is none: of the
     * occurrences, the one whose sampled quad comes first, so that when the range holds several lines,
     * the occurrence found is in the first line that holds one.
     */
    int findIn(byte[] buf, int from, int to) {
        if (to - from < minLength) return -1;         // no keyword fits
        int p = from + Q - 1;                         // the last byte of the sampled quad
        for (; p + stride < to; p += 2 * stride) {    // two independent samples per step
            int h1 = hash((int) QUADS.get(buf, p - Q + 1));
            int h2 = hash((int) QUADS.get(buf, p + stride - Q + 1));
            long b1 = bits[h1 >>> 6] >>> h1;
            long b2 = bits[h2 >>> 6] >>> h2;
            if (((b1 | b2) & 1) != 0) {
                int at;
                if ((b1 & 1) != 0 && (at = verify(buf, from, to, p, h1)) >= 0) return at;
                if ((b2 & 1) != 0 && (at = verify(buf, from, to, p + stride, h2)) >= 0) return at;
            }
        }
        if (p < to) {
            int h = hash((int) QUADS.get(buf, p - Q + 1));
            if (((bits[h >>> 6] >>> h) & 1) != 0) return verify(buf, from, to, p, h);
        }
        return -1;
    }

    /**
     * Sets bit {@code i} of {@code found} for every keyword (the {@code i}th given) that occurs in
     * {@code buf[off, off + len)}: the same samples as {@link #anyIn}, every hit verified, none skipped.
     * Exact, because every occurrence of a keyword holds a sampled quad of its window.
     */
    void allIn(byte[] buf, int off, int len, long[] found) {
        int end = off + len;
        for (int p = off + Q - 1; p < end; p += stride) {
            int h = hash((int) QUADS.get(buf, p - Q + 1));
            if (((bits[h >>> 6] >>> h) & 1) == 0) continue;
            for (Candidate c : candidates[bucket[h] - 1]) {
                byte[] k = c.keyword;
                int start = p - c.back;
                if (start >= off && start + k.length <= end && Arrays.equals(buf, start, start + k.length, k, 0, k.length)) {
                    found[c.index >>> 6] |= 1L << c.index;
                }
            }
        }
    }

    /**
     * Where a keyword with a quad of hash {@code h} ending at {@code p} starts, if one lies in
     * {@code buf[off, end)}; -1 if none does.
     */
    private int verify(byte[] buf, int off, int end, int p, int h) {
        for (Candidate c : candidates[bucket[h] - 1]) {
            byte[] k = c.keyword;
            int start = p - c.back;
            if (start >= off && start + k.length <= end && Arrays.equals(buf, start, start + k.length, k, 0, k.length)) return start;
        }
        return -1;
    }

    /** The four bytes ending at {@code end}, as {@link #QUADS} reads them. */
    private static int quad(byte[] b, int end) {
        return (b[end] & 0xff) << 24 | (b[end - 1] & 0xff) << 16 | (b[end - 2] & 0xff) << 8 | (b[end - 3] & 0xff);
    }

    /** 16 bits of a multiplicative hash of four bytes. */
    private static int hash(int quad) {
        return (quad * 0x9E3779B1) >>> 16;
    }
}
