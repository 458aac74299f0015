package dev.supervision.process.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Tells whether a line contains any of a set of ASCII keywords, without allocating: the Wu-Manber
 * multi-pattern search. A window of {@code m} bytes ({@code m} = the shortest keyword) slides over the
 * line; the two bytes at its end index a 64 Ki-entry shift table that says how far the window may jump
 * without skipping a keyword. Ordinary log text rarely has the keywords' byte pairs at the right place,
 * so most steps jump most of {@code m} bytes: a dozen-byte keyword set reads about one byte pair in
 * five or more. Only where the shift is 0 are the keywords ending in that pair compared in full.
 *
 * <p>It works on UTF-8 bytes as well as on chars: keywords are ASCII, and no byte of a multi-byte UTF-8
 * sequence is ASCII. Immutable and thread-safe.
 */
final class KeywordFilter {
    private final int m;
    private final byte[] shift;
    private final int[] candidateBigrams;
    private final byte[][][] candidates;

    KeywordFilter(List<String> keywords) {
        if (keywords.isEmpty()) throw new IllegalArgumentException("keywords must not be empty");
        int min = Integer.MAX_VALUE;
        for (String k : keywords) min = Math.min(min, k.length());
        m = Math.min(min, 127);
        shift = new byte[1 << 16];
        Arrays.fill(shift, (byte) (m - 1));
        TreeMap<Integer, List<byte[]>> byLastBigram = new TreeMap<>();
        for (String k : keywords) {
            byte[] b = k.getBytes(StandardCharsets.US_ASCII);
            for (int q = 1; q < m; q++) {
                int bigram = (b[q - 1] & 0xff) << 8 | (b[q] & 0xff);
                shift[bigram] = (byte) Math.min(shift[bigram], m - 1 - q);
            }
            byLastBigram.computeIfAbsent((b[m - 2] & 0xff) << 8 | (b[m - 1] & 0xff), x -> new ArrayList<>()).add(b);
        }
        candidateBigrams = byLastBigram.keySet().stream().mapToInt(Integer::intValue).toArray();
        candidates = byLastBigram.values().stream().map(l -> l.toArray(byte[][]::new)).toArray(byte[][][]::new);
    }

    /** Whether {@code buf[off, off + len)} contains a keyword. */
    boolean anyIn(byte[] buf, int off, int len) {
        int end = off + len;
        int pos = off + m - 1;
        while (pos < end) {
            int s = shift[(buf[pos - 1] & 0xff) << 8 | (buf[pos] & 0xff)];
            if (s != 0) {
                pos += s;
                continue;
            }
            if (verify(buf, pos - m + 1, end, (buf[pos - 1] & 0xff) << 8 | (buf[pos] & 0xff))) return true;
            pos++;
        }
        return false;
    }

    private boolean verify(byte[] buf, int start, int end, int bigram) {
        for (byte[] k : candidates[Arrays.binarySearch(candidateBigrams, bigram)]) {
            if (start + k.length <= end && Arrays.equals(buf, start, start + k.length, k, 0, k.length)) return true;
        }
        return false;
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
