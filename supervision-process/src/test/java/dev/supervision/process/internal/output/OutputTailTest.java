package dev.supervision.process.internal.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.output.OutputLine;
import dev.supervision.process.output.StdStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tail against a plain list of every line: whatever the batch sizes, it keeps exactly the last N. */
class OutputTailTest {
    /** Feeds {@code lines} as one read, the way the reader hands them over (one buffer, offsets). */
    private static void feed(OutputTail tail, StdStream stream, List<String> lines) {
        StringBuilder text = new StringBuilder("junk-before|");
        LineBatch batch = new LineBatch();
        List<int[]> bounds = new ArrayList<>();
        for (String l : lines) {
            int start = text.toString().getBytes(StandardCharsets.UTF_8).length;
            text.append(l);
            bounds.add(new int[] {start, text.toString().getBytes(StandardCharsets.UTF_8).length});
            text.append('\n');
        }
        batch.reset(text.append("|unfinished").toString().getBytes(StandardCharsets.UTF_8));
        for (int[] b : bounds) batch.add(b[0], b[1]);
        tail.accept(stream, batch);
    }

    @Test
    void keepsTheLastLinesWhateverTheBatchSizes() {
        Random random = new Random(42);
        OutputTail tail = new OutputTail(200);
        List<OutputLine> all = new ArrayList<>();
        int n = 0;
        for (int batch = 0; batch < 500; batch++) {
            // Mostly single lines (a quiet stream), sometimes bursts larger than the tail, sometimes long lines.
            int size = random.nextInt(10) == 0 ? random.nextInt(700) : 1 + random.nextInt(3);
            StdStream stream = random.nextBoolean() ? StdStream.STDOUT : StdStream.STDERR;
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String line = (n++) + (random.nextInt(50) == 0 ? "x".repeat(random.nextInt(20_000)) : " é line");
                lines.add(line);
                all.add(new OutputLine(stream, line));
            }
            feed(tail, stream, lines);
            assertThat(tail.snapshot()).containsExactlyElementsOf(all.subList(Math.max(0, all.size() - 200), all.size()));
        }
    }

    @Test
    void zeroCapacityKeepsNothing() {
        OutputTail tail = new OutputTail(0);
        feed(tail, StdStream.STDOUT, List.of("a", "b"));
        assertThat(tail.snapshot()).isEmpty();
    }
}
