package dev.supervision.process.internal.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeywordFilterTest {
    private static final List<String> KEYWORDS = List.of("CUDA out of memory", "ncclRemoteError", "MemoryError",
            "of memory: Killed process", "NVRM: Xid", "died unexpectedly", "abcab");
    private static final String ALPHABET = "abcdeCUDA omfryNVRM:Xid";

    /**
     * Up to {@code maxLength} random characters of {@link #ALPHABET}; one time in {@code keywordOneIn} a
     * keyword inserted at a random place, when {@code cutSome} every other time one character short.
     */
    private static String randomLine(Random random, int maxLength, int keywordOneIn, boolean cutSome) {
        StringBuilder sb = new StringBuilder();
        int len = random.nextInt(maxLength);
        for (int i = 0; i < len; i++) sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        if (random.nextInt(keywordOneIn) == 0) {
            String k = KEYWORDS.get(random.nextInt(KEYWORDS.size()));
            if (cutSome && random.nextBoolean()) k = k.substring(0, k.length() - 1);
            sb.insert(random.nextInt(sb.length() + 1), k);
        }
        return sb.toString();
    }

    @Test
    void findsExactlyTheLinesAndKeywordsAPlainSearchFindsAtEveryOffsetAndLength() {
        KeywordFilter filter = new KeywordFilter(KEYWORDS);
        Random random = new Random(42);
        for (int round = 0; round < 200_000; round++) {
            String line = randomLine(random, 400, 4, true);
            byte[] padded = ("xx" + line + "yy").getBytes(StandardCharsets.US_ASCII);
            boolean expected = KEYWORDS.stream().anyMatch(line::contains);
            assertThat(filter.anyIn(padded, 2, line.length())).as(line).isEqualTo(expected);
            long[] found = new long[1];
            filter.allIn(padded, 2, line.length(), found);
            for (int k = 0; k < KEYWORDS.size(); k++) {
                assertThat((found[0] >>> k & 1) != 0).as(KEYWORDS.get(k) + " in " + line).isEqualTo(line.contains(KEYWORDS.get(k)));
            }
        }
    }

    /** The classifier's scan over a whole read: what it finds must lie in the first line that holds a keyword. */
    @Test
    void overSeveralLinesTheOccurrenceFoundStartsAKeywordInTheFirstLineHoldingOne() {
        KeywordFilter filter = new KeywordFilter(KEYWORDS);
        Random random = new Random(7);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder("xx");
            int firstWith = -1;
            int lines = 1 + random.nextInt(8);
            int[] starts = new int[lines];
            for (int l = 0; l < lines; l++) {
                String line = randomLine(random, 120, 6, false);
                if (firstWith < 0 && KEYWORDS.stream().anyMatch(line::contains)) firstWith = l;
                starts[l] = text.length();
                text.append(line).append('\n');
            }
            String all = text.toString();
            int at = filter.findIn(all.getBytes(StandardCharsets.US_ASCII), 2, all.length() - 1);
            if (firstWith < 0) {
                assertThat(at).as(all).isEqualTo(-1);
                continue;
            }
            int line = firstWith;
            assertThat(at).as(all).isGreaterThanOrEqualTo(starts[line]);
            assertThat(line + 1 == lines || at < starts[line + 1]).as(all).isTrue();
            assertThat(KEYWORDS).as(all).anyMatch(k -> all.startsWith(k, at));
        }
    }

    @Test
    void aKeywordAtTheVeryStartOrEndOfTheLineIsFound() {
        KeywordFilter filter = new KeywordFilter(KEYWORDS);
        for (String line : List.of("MemoryError", "x MemoryError", "MemoryError x", "NVRM: Xid")) {
            byte[] b = line.getBytes(StandardCharsets.US_ASCII);
            assertThat(filter.anyIn(b, 0, b.length)).as(line).isTrue();
            assertThat(filter.anyIn(b, 0, b.length - 1)).as(line + " cut short").isEqualTo(line.endsWith(" x"));
        }
    }

    @Test
    void aKeywordCrossingTheLineStartOrEndIsNotFound() {
        KeywordFilter filter = new KeywordFilter(KEYWORDS);
        byte[] b = ("x".repeat(300) + "CUDA out of memory" + "y".repeat(300)).getBytes(StandardCharsets.US_ASCII);
        int at = 300;
        for (int cut = 1; cut < 18; cut++) {
            for (int len : new int[] {10, 100, 200, 400}) {
                int beforeLen = Math.min(len, at + cut);
                assertThat(filter.anyIn(b, at + cut - beforeLen, beforeLen)).as("ends inside, cut " + cut).isFalse();
                assertThat(filter.anyIn(b, at + cut, Math.min(len, b.length - at - cut))).as("starts inside, cut " + cut).isFalse();
            }
        }
        assertThat(filter.anyIn(b, at - 150, 18 + 300)).isTrue();
    }
}
