package dev.supervision.process.internal;

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
 * Tells whether a line contains any of a set of ASCII keywords, without allocating: the Wu-Manber
 * multi-pattern search. A window of {@code m} bytes ({@code m} = the shortest keyword) slides over the
 * line; a 16-bit hash of the four bytes at its end indexes a 64 Ki-entry shift table that says how far
 * the window may jump without skipping a keyword. Ordinary log text rarely has the keywords' four-byte
 * groups at the right place, so nearly every step jumps the most it can, {@code m - 3} bytes (11 for
 * the built-in keywords). Only where the shift is 0 (about one line in a hundred of ordinary logs) are
 * the keywords whose window ends in that hash compared, first by their first eight bytes.
 *
 * <p>Each keyword is anchored by the {@code m}-byte window of it that looks least like ordinary text
 * (lower-case letters and spaces), which makes zero shifts rarer still.
 *
 * <p>Each step's table load depends on the previous step's, so a single cursor waits on memory
 * latency; lines of {@value #TWO_CURSORS} bytes or more are therefore scanned by two cursors at once,
 * one per half (the first half's windows may end in the second, so nothing is missed), which lets
 * the CPU overlap their loads.
 *
 * <p>It works on UTF-8 bytes as well as on chars: keywords are ASCII, and no byte of a multi-byte UTF-8
 * sequence is ASCII. Immutable and thread-safe.
 */
final class KeywordFilter {
    /** Reads four bytes with one bounds check, little-endian. */
    private static final VarHandle QUADS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int TWO_CURSORS = 64;
    /** Bytes per table lookup. */
    private static final int Q = 4;

    private final int m;
    private final byte[] shift;
    /** For a hash with shift 0: 1 + the index of its keywords in {@link #candidates}. */
    private final char[] bucket;
    private final Anchor[][] candidates;

    KeywordFilter(List<String> keywords) {
        if (keywords.isEmpty()) throw new IllegalArgumentException("keywords must not be empty");
        int min = Integer.MAX_VALUE;
        for (String k : keywords) min = Math.min(min, k.length());
        m = Math.min(min, 127);
        if (m < Q) throw new IllegalArgumentException("keywords must have at least " + Q + " characters, was " + keywords);
        shift = new byte[1 << 16];
        Arrays.fill(shift, (byte) (m - Q + 1));
        Map<Integer, List<Anchor>> byLastQuad = new LinkedHashMap<>();
        for (String k : keywords) {
            byte[] b = k.getBytes(StandardCharsets.US_ASCII);
            int at = window(b, m);
            for (int q = Q - 1; q < m; q++) {
                int h = hash(quad(b, at + q));
                shift[h] = (byte) Math.min(shift[h], m - 1 - q);
            }
            byLastQuad.computeIfAbsent(hash(quad(b, at + m - 1)), x -> new ArrayList<>()).add(new Anchor(b, at));
        }
        bucket = new char[1 << 16];
        candidates = new Anchor[byLastQuad.size()][];
        int i = 0;
        for (Map.Entry<Integer, List<Anchor>> e : byLastQuad.entrySet()) {
            bucket[e.getKey()] = (char) (i + 1);
            candidates[i++] = e.getValue().toArray(Anchor[]::new);
        }
    }

    /**
     * A keyword and where its window lies in it. The window is the one whose byte pairs are least like
     * ordinary text (lower-case letters and spaces): above all its last pair, where a hit costs a
     * comparison. {@code head} holds the keyword's first eight bytes (or fewer), compared first.
     */
    private record Anchor(byte[] keyword, int at, long head, long headMask) {
        Anchor(byte[] keyword, int at) {
            this(keyword, at, head(keyword), keyword.length >= 8 ? -1L : (1L << (8 * keyword.length)) - 1);
        }

        private static long head(byte[] k) {
            long h = 0;
            for (int i = Math.min(8, k.length) - 1; i >= 0; i--) h = h << 8 | (k[i] & 0xff);
            return h;
        }
    }

    /** Where in {@code k} the {@code m}-byte window with the rarest-looking pairs starts. */
    private static int window(byte[] k, int m) {
        int best = 0;
        int bestScore = Integer.MAX_VALUE;
        for (int at = 0; at + m <= k.length; at++) {
            int score = 16 * m * common(k[at + m - 2], k[at + m - 1]);
            for (int q = at + 1; q < at + m; q++) score += common(k[q - 1], k[q]) * (q - at);
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
        int end = off + len;
        if (len < TWO_CURSORS) return scan(buf, off, off + m - 1, end, end);
        int half = off + len / 2 + m - 1;
        int a = off + m - 1;
        int b = half;
        while (a < half && b < end) {
            int pa = hash((int) QUADS.get(buf, a - Q + 1));
            int pb = hash((int) QUADS.get(buf, b - Q + 1));
            int sa = shift[pa];
            int sb = shift[pb];
            if (sa == 0) {
                if (verify(buf, a - m + 1, off, end, pa)) return true;
                sa = 1;
            }
            if (sb == 0) {
                if (verify(buf, b - m + 1, off, end, pb)) return true;
                sb = 1;
            }
            a += sa;
            b += sb;
        }
        return scan(buf, off, a, half, end) || scan(buf, off, b, end, end);
    }

    /** Windows ending at {@code pos} up to (not including) {@code limit}; keywords must end by {@code end}. */
    private boolean scan(byte[] buf, int off, int pos, int limit, int end) {
        while (pos < limit) {
            int p = hash((int) QUADS.get(buf, pos - Q + 1));
            int s = shift[p];
            if (s == 0) {
                if (verify(buf, pos - m + 1, off, end, p)) return true;
                s = 1;
            }
            pos += s;
        }
        return false;
    }

    /** Whether a keyword whose window ends in a quad of hash {@code h} has that window at {@code w} in line {@code [off, end)}. */
    private boolean verify(byte[] buf, int w, int off, int end, int h) {
        for (Anchor a : candidates[bucket[h] - 1]) {
            byte[] k = a.keyword;
            int start = w - a.at;
            if (start < off || start + k.length > end) continue;
            long head = start + 8 <= buf.length ? (long) LONGS.get(buf, start) : tail(buf, start);
            if ((head & a.headMask) != a.head) continue;
            if (Arrays.equals(buf, start, start + k.length, k, 0, k.length)) return true;
        }
        return false;
    }

    /** The last bytes of the buffer as a little-endian long, zero-padded. */
    private static long tail(byte[] buf, int start) {
        long h = 0;
        for (int i = buf.length - 1; i >= start; i--) h = h << 8 | (buf[i] & 0xff);
        return h;
    }

    /** The four bytes ending at {@code end}, as {@link #QUADS} reads them. */
    private static int quad(byte[] b, int end) {
        return (b[end] & 0xff) << 24 | (b[end - 1] & 0xff) << 16 | (b[end - 2] & 0xff) << 8 | (b[end - 3] & 0xff);
    }

    /** 16 bits of a multiplicative hash of four bytes. */
    private static int hash(int quad) {
        return (quad * 0x9E3779B1) >>> 16;
    }

    /** Whether {@code buf[off, off + len)} contains {@code keyword} (a plain search, for the rare candidate lines). */
    static boolean contains(byte[] buf, int off, int len, byte[] keyword) {
        int last = off + len - keyword.length;
        byte first = keyword[0];
        for (int i = off; i <= last; i++) {
            if (buf[i] == first && Arrays.equals(buf, i, i + keyword.length, keyword, 0, keyword.length)) return true;
        }
        return false;
    }
}
