package dev.supervision.process.internal.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.process.internal.launch.Launch;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.OutputLine;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.output.StdStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPumpTest {
    private static final OutputSpec QUIET = OutputSpec.builder().sinks(OutputSink.discard()).build();

    @TempDir
    Path dir;

    /** Records every line per stream, as the listener contract allows: one thread per stream. */
    private static final class Recorder implements LineListener {
        final Map<StdStream, List<String>> lines = new EnumMap<>(StdStream.class);

        Recorder() {
            lines.put(StdStream.STDOUT, Collections.synchronizedList(new ArrayList<>()));
            lines.put(StdStream.STDERR, Collections.synchronizedList(new ArrayList<>()));
        }

        @Override
        public void onLine(StdStream stream, CharSequence line) {
            lines.get(stream).add(line.toString());
        }

        List<String> of(StdStream stream) {
            return lines.get(stream);
        }
    }

    private static Process bash(String script) throws IOException {
        return new ProcessBuilder("bash", "-c", script).start();
    }

    private static OutputPump drain(Process p, OutputSpec spec, LineListener... listeners) throws Exception {
        OutputPump pump = OutputPump.start("test", p, spec, List.of(listeners));
        pump.completion().get(2, TimeUnit.MINUTES);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isZero();
        return pump;
    }

    private static final String ONE_GIGABYTE = "yes '2026-11-23 05:44:01.123 INFO [engine-3] step=1234 loss=0.1234 tokens/s=4567 kv=45.6%'"
            + " | head -c 1073741824; echo; for i in $(seq 1 300); do echo \"final line $i\"; done";

    @Test
    void aChildWritingOneGigabyteToStdoutIsNeverBlockedAndTheTailIsExact() throws Exception {
        oneGigabyte(bash(ONE_GIGABYTE));
    }

    /** The same through the native launcher: read by a virtual thread, then (busy) handed to a platform thread. */
    @Test
    void aNativelyLaunchedChildWritingOneGigabyteIsDrainedExactlyAcrossTheHandOver() throws Exception {
        assumeTrue(Launch.launcher().isPresent(), () -> "the native launcher's streams were not tested: " + Launch.describe());
        oneGigabyte(Launch.start(new ProcessBuilder("bash", "-c", ONE_GIGABYTE)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))));
    }

    /** A busy native stream whose writer then goes quiet (its reader waits in poll): abandoning it ends the pump. */
    @Test
    void abandoningAQuietDedicatedStreamEndsThePump() throws Exception {
        assumeTrue(Launch.launcher().isPresent(), () -> "the native launcher's streams were not tested: " + Launch.describe());
        Process p = Launch.start(new ProcessBuilder("bash", "-c", "head -c 50000000 /dev/zero | tr '\\0' x; echo; exec sleep 60")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))));
        try {
            AtomicLong chars = new AtomicLong();
            OutputPump pump = OutputPump.start("quiet", p, QUIET, List.of((stream, line) -> chars.addAndGet(line.length())));
            await().atMost(Duration.ofMinutes(1)).until(() -> chars.get() == 50_000_000L);
            assertThat(pump.completion()).isNotDone();
            pump.abandon();
            await().atMost(Duration.ofSeconds(5)).until(() -> pump.completion().isDone());
            assertThat(pump.completion()).isCompletedExceptionally();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void anAbandonedStreamStillHandsOnItsUnfinishedLastLine() throws Exception {
        assumeTrue(Launch.launcher().isPresent(), () -> "the native launcher's streams were not tested: " + Launch.describe());
        // One write: once "first" arrived, "last words" (no line end) was read with it.
        Process p = Launch.start(new ProcessBuilder("bash", "-c", "printf 'first\\nlast words'; exec sleep 60")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))));
        try {
            OutputPump pump = OutputPump.start("cut", p, QUIET, List.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> !pump.tail().isEmpty());
            pump.abandon();
            await().atMost(Duration.ofSeconds(5)).until(() -> pump.completion().isDone());
            assertThat(pump.tail()).extracting(OutputLine::text).containsExactly("first", "last words");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private static void oneGigabyte(Process p) throws Exception {
        AtomicLong lines = new AtomicLong();
        AtomicLong chars = new AtomicLong();
        OutputPump pump = OutputPump.start("flood", p, QUIET, List.of((stream, line) -> {
            lines.incrementAndGet();
            chars.addAndGet(line.length());
        }));

        await().atMost(Duration.ofMinutes(3)).until(() -> !p.isAlive());
        pump.completion().get(1, TimeUnit.MINUTES);

        assertThat(chars.get() + lines.get()).isEqualTo(1073741824L + 1 + IntStream.rangeClosed(1, 300)
                .mapToLong(i -> ("final line " + i + "\n").length()).sum());
        assertThat(pump.tail()).hasSize(200).containsExactlyElementsOf(IntStream.rangeClosed(101, 300)
                .mapToObj(i -> new OutputLine(StdStream.STDOUT, "final line " + i)).toList());
    }

    @Test
    void bothStreamsAreDrainedWhenOneIsFlooded() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("yes " + "e".repeat(99) + " | head -n 500000 >&2; echo out-done;"
                + " yes " + "o".repeat(99) + " | head -n 500000; echo err-done >&2"), QUIET, recorder);

        List<String> err = recorder.of(StdStream.STDERR);
        List<String> out = recorder.of(StdStream.STDOUT);
        assertThat(err.size()).isEqualTo(500_001);
        assertThat(err.get(500_000)).isEqualTo("err-done");
        assertThat(out.size()).isEqualTo(500_001);
        assertThat(out.get(0)).isEqualTo("out-done");
    }

    @Test
    void crLfAndLfEndLinesAndAPartialLastLineIsDeliveredAtEndOfStream() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("printf 'a\\r\\nb\\nc\\r\\n\\n\\r\\nlast'"), QUIET, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).containsExactly("a", "b", "c", "", "", "last");
    }

    /** A vertical tab right after a \n looks like one more \n to the word-at-a-time search: it must not split. */
    @Test
    void verticalTabsRightAfterALineEndAreNotLineEnds() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("printf 'xxxxxxxxxx\\n\\v\\vy%s\\n\\v\\n' " + "z".repeat(40)), QUIET, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).containsExactly("x".repeat(10), "\u000b\u000by" + "z".repeat(40), "\u000b");
    }

    @Test
    void overLongLinesAreSplitIntoPiecesOfAtMostMaxLineLength() throws Exception {
        Recorder recorder = new Recorder();
        OutputSpec spec = QUIET.toBuilder().maxLineLength(64).build();
        drain(bash("head -c 200 /dev/zero | tr '\\0' x; echo; head -c 64 /dev/zero | tr '\\0' y; printf '\\r\\n';"
                + " head -c 150 /dev/zero | tr '\\0' z"), spec, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).containsExactly("x".repeat(64), "x".repeat(64), "x".repeat(64),
                "x".repeat(8), "y".repeat(64), "z".repeat(64), "z".repeat(64), "z".repeat(22));
    }

    @Test
    void aLongLineWrittenInSmallPiecesIsSplitAtTheDefaultLimit() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("for i in $(seq 1 100); do printf '%0100d' 0; done; echo; echo next"), QUIET, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).containsExactly("0".repeat(OutputSpec.DEFAULT_MAX_LINE_LENGTH),
                "0".repeat(10_000 - OutputSpec.DEFAULT_MAX_LINE_LENGTH), "next");
    }

    @Test
    void splittingNeverCutsAUtf8Sequence() throws Exception {
        Recorder recorder = new Recorder();
        String line = "é€😀".repeat(40);
        Path file = Files.writeString(dir.resolve("utf8.txt"), "a" + line + "\n");
        drain(new ProcessBuilder("cat", file.toString()).start(), QUIET.toBuilder().maxLineLength(64).build(), recorder);

        List<String> pieces = recorder.of(StdStream.STDOUT);
        assertThat(pieces).hasSizeGreaterThan(1).allSatisfy(piece -> assertThat(piece).doesNotContain("\uFFFD"));
        assertThat(pieces).allSatisfy(piece -> assertThat(piece.getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(64));
        assertThat(String.join("", pieces)).isEqualTo("a" + line);
    }

    @Test
    void aListenerSeesEveryLineOfEachStreamInOrder() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("for i in $(seq 1 20000); do echo \"out $i\"; echo \"err $i\" >&2; done"), QUIET, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).containsExactlyElementsOf(
                IntStream.rangeClosed(1, 20000).mapToObj(i -> "out " + i).toList());
        assertThat(recorder.of(StdStream.STDERR)).containsExactlyElementsOf(
                IntStream.rangeClosed(1, 20000).mapToObj(i -> "err " + i).toList());
    }

    @Test
    void listenersCanRunRegexesOnTheLineViewIncludingNonAsciiLines() throws Exception {
        Pattern oom = Pattern.compile("CUDA out of memory\\. Tried to allocate ([0-9.]+) GiB");
        List<String> found = Collections.synchronizedList(new ArrayList<>());
        drain(bash("echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.50 GiB' >&2;"
                + " echo 'ünïcode: CUDA out of memory. Tried to allocate 1.25 GiB'; echo unrelated"), QUIET,
                (stream, line) -> {
                    var m = oom.matcher(line);
                    if (m.find()) found.add(stream + " " + m.group(1));
                });

        assertThat(found).containsExactlyInAnyOrder("STDERR 2.50", "STDOUT 1.25");
    }

    @Test
    void asciiAndNonAsciiLinesMixedOverManyReadsReachListenersIntact() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("for i in $(seq 1 30000); do echo \"plain $i\"; if (( i % 7000 == 0 )); then echo \"naïve €$i\"; fi; done"),
                QUIET, recorder);

        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 30000; i++) {
            expected.add("plain " + i);
            if (i % 7000 == 0) expected.add("naïve €" + i);
        }
        assertThat(recorder.of(StdStream.STDOUT)).containsExactlyElementsOf(expected);
    }

    @Test
    void aThrowingListenerDoesNotStopDrainingOrTheOtherListeners() throws Exception {
        Recorder recorder = new Recorder();
        drain(bash("seq 1 100000"), QUIET, (stream, line) -> {
            throw new IllegalStateException("boom");
        }, recorder);

        assertThat(recorder.of(StdStream.STDOUT)).hasSize(100_000).endsWith("100000");
    }

    @Test
    void aListenerThrowingAnErrorOnEveryLineNeitherClosesThePipeNorStopsTheOthers() throws Exception {
        // As a regex does on a long enough line (StackOverflowError): were the pipe closed, seq would die of SIGPIPE.
        for (boolean nativeLaunch : new boolean[] {false, true}) {
            Recorder recorder = new Recorder();
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "seq 1 100000");
            OutputPump pump = drain(nativeLaunch ? Launch.start(pb) : pb.start(), QUIET, (stream, line) -> {
                throw new StackOverflowError("regex on a long line");
            }, recorder);

            assertThat(recorder.of(StdStream.STDOUT)).hasSize(100_000).endsWith("100000");
            assertThat(pump.tail()).last().extracting(OutputLine::text).isEqualTo("100000");
        }
    }

    @Test
    void theTailKeepsTheLastLinesOfBothStreamsWithTheirStream() throws Exception {
        // The stderr lines are written only once the stdout ones were seen (the tail orders lines by arrival,
        // and the two streams' readers race): the listener runs after the tail took the batch.
        Path go = dir.resolve("go");
        OutputPump pump = drain(bash("seq 1 1000; while [ ! -e '" + go + "' ]; do sleep 0.01; done;"
                + " echo 'Traceback (most recent call last):' >&2; echo 'RuntimeError: CUDA error: an illegal memory access' >&2"),
                QUIET.toBuilder().tailLines(3).build(), (stream, line) -> {
                    if (stream == StdStream.STDOUT && line.toString().equals("1000")) {
                        try {
                            Files.createFile(go);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });

        assertThat(pump.tail()).containsExactly(new OutputLine(StdStream.STDOUT, "1000"),
                new OutputLine(StdStream.STDERR, "Traceback (most recent call last):"),
                new OutputLine(StdStream.STDERR, "RuntimeError: CUDA error: an illegal memory access"));
    }

    @Test
    void aZeroLineTailKeepsNothing() throws Exception {
        assertThat(drain(bash("seq 1 10"), QUIET.toBuilder().tailLines(0).build()).tail()).isEmpty();
    }

    @Test
    void aRotatingFileKeepsKeepFilesEachWithinTheSizeBound() throws Exception {
        Path log = dir.resolve("logs/child.log");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 2048, 3)).maxLineLength(64).build();
        drain(bash("for i in $(seq 1 2000); do printf 'line %015d\\n' $i; done"), spec);

        assertThat(Files.exists(dir.resolve("logs/child.log.4"))).isFalse();
        List<String> kept = new ArrayList<>();
        for (String name : List.of("child.log.3", "child.log.2", "child.log.1", "child.log")) {
            Path f = dir.resolve("logs").resolve(name);
            assertThat(Files.size(f)).isBetween(1L, 2048L);
            kept.addAll(Files.readAllLines(f));
        }
        assertThat(kept).containsExactlyElementsOf(IntStream.rangeClosed(2001 - kept.size(), 2000)
                .mapToObj(i -> String.format("line %015d", i)).toList());
        assertThat(kept.size()).isGreaterThan(3 * (2048 / 21));
    }

    @Test
    void aRotatingFileKeepingNoneIsTruncatedInPlace() throws Exception {
        Path log = dir.resolve("child.log");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 2048, 0)).maxLineLength(64).build();
        Files.writeString(log, "");
        Object inode = Files.getAttribute(log, "unix:ino");
        drain(bash("for i in $(seq 1 2000); do printf 'line %015d\\n' $i; done"), spec);

        assertThat(Files.exists(dir.resolve("child.log.1"))).isFalse();
        assertThat(Files.getAttribute(log, "unix:ino")).as("the same file, truncated").isEqualTo(inode);
        assertThat(Files.size(log)).isBetween(1L, 2048L);
        List<String> kept = Files.readAllLines(log);
        assertThat(kept).containsExactlyElementsOf(IntStream.rangeClosed(2001 - kept.size(), 2000)
                .mapToObj(i -> String.format("line %015d", i)).toList());
    }

    /** What is done to a log file from outside while the child writes to it. */
    private interface OutsideChange {
        void apply() throws IOException;
    }

    /**
     * A child writes lines 1..{@code before} through a {@code keep = 0} rotating file of 2 KiB at {@code log},
     * waits until {@code change} was applied (once every line so far reached the pump), then writes lines
     * {@code before + 1}..{@code total}; returns when all are drained.
     */
    private void writeAroundAnOutsideChange(Path log, int before, int total, OutsideChange change) throws Exception {
        Path go = dir.resolve("go");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 2048, 0)).maxLineLength(64).build();
        AtomicLong lines = new AtomicLong();
        Process p = bash("for i in $(seq 1 " + before + "); do printf 'line %015d\\n' $i; done; "
                + "while [ ! -e " + go + " ]; do sleep 0.01; done; "
                + "for i in $(seq " + (before + 1) + " " + total + "); do printf 'line %015d\\n' $i; done");
        OutputPump pump = OutputPump.start("test", p, spec, List.of((stream, line) -> lines.incrementAndGet()));
        await().atMost(Duration.ofSeconds(20)).until(() -> lines.get() == before);
        change.apply();
        Files.writeString(go, "");
        pump.completion().get(1, TimeUnit.MINUTES);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    }

    @Test
    void aRotatingFileKeepingNoneTruncatedFromOutsideGetsNoHoleOfNulBytes() throws Exception {
        Path log = dir.resolve("child.log");
        // 200 lines (two rotations at least), then, once the file was truncated from outside as logrotate's
        // copytruncate does, 20 more (no rotation: a hole would stay).
        writeAroundAnOutsideChange(log, 200, 220, () -> {
            try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
        });

        byte[] bytes = Files.readAllBytes(log);
        assertThat(bytes).isNotEmpty().doesNotContain((byte) 0);
        assertThat(new String(bytes, StandardCharsets.US_ASCII)).startsWith(String.format("line %015d%n", 201))
                .endsWith(String.format("line %015d%n", 220));
    }

    @Test
    void aRotatingFileKeepingNoneRenamedFromOutsideIsLeftAloneAndThePathStartedAfresh() throws Exception {
        Path log = dir.resolve("child.log");
        Path archive = dir.resolve("child.log.1");
        // 50 lines, then, once logrotate (its default mode) renamed the file and created a new one, 350 more.
        writeAroundAnOutsideChange(log, 50, 400, () -> {
            Files.move(log, archive);
            Files.writeString(log, "");
        });

        List<String> archived = Files.readAllLines(archive);
        assertThat(archived).hasSizeGreaterThanOrEqualTo(50).startsWith(String.format("line %015d", 1));
        assertThat(Files.readAllLines(log)).isNotEmpty().last().isEqualTo(String.format("line %015d", 400));
    }

    @Test
    void aRotatingFileDeletedByHandIsStartedAfreshAtTheNextRotation() throws Exception {
        Path log = dir.resolve("logs/child.log");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 2048, 2)).maxLineLength(64).build();
        // The child deletes the live file once it holds lines (a cleaner, a user), then writes on.
        drain(bash("for i in $(seq 1 50); do printf 'line %015d\\n' $i; done; "
                + "while [ ! -s " + log + " ]; do sleep 0.01; done; rm " + log + "; "
                + "for i in $(seq 51 2000); do printf 'line %015d\\n' $i; done"), spec);

        List<String> last = Files.readAllLines(log);
        assertThat(Files.size(log)).isBetween(1L, 2048L);
        assertThat(last).isNotEmpty().last().isEqualTo(String.format("line %015d", 2000));
    }

    @Test
    void bothStreamsNamingOneFileShareItWithWholeLines() throws Exception {
        Path log = dir.resolve("both.log");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 1 << 20, 1)).build();
        drain(bash("for i in $(seq 1 5000); do echo \"out $i\"; echo \"err $i\" >&2; done"), spec);

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(10_000);
        assertThat(lines.stream().filter(l -> l.startsWith("out ")).toList())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 5000).mapToObj(i -> "out " + i).toList());
        assertThat(lines.stream().filter(l -> l.startsWith("err ")).toList())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 5000).mapToObj(i -> "err " + i).toList());
    }

    @Test
    void aRestartedChildAppendsToTheExistingFile() throws Exception {
        Path log = dir.resolve("append.log");
        OutputSpec spec = OutputSpec.builder().sinks(OutputSink.rotatingFile(log, 1 << 20, 1)).build();
        drain(bash("echo first"), spec);
        drain(bash("echo second"), spec);

        assertThat(Files.readAllLines(log)).containsExactly("first", "second");
    }

    @Test
    void passThroughCopiesWholeLinesToTheJvmsOwnStdoutAndStderr() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            drain(bash("printf 'one\\r\\ntwo\\n'; printf 'oops\\npartial' >&2"),
                    OutputSpec.builder().sinks(OutputSink.passThrough()).build());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(capturedOut.toString(StandardCharsets.UTF_8)).isEqualTo("one\ntwo\n");
        assertThat(capturedErr.toString(StandardCharsets.UTF_8)).isEqualTo("oops\npartial\n");
    }

    @Test
    void readerThreadsAreNamedDaemonPlatformThreads() throws Exception {
        Process p = bash("read _; echo bye");
        OutputPump pump = OutputPump.start("named", p, QUIET, List.of());
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> readers("named").size() == 2);
            assertThat(readers("named")).allSatisfy(t -> {
                assertThat(t.isDaemon()).isTrue();
                assertThat(t.isVirtual()).isFalse();
            });
        } finally {
            p.getOutputStream().close();
        }
        pump.completion().get(1, TimeUnit.MINUTES);
        await().atMost(Duration.ofSeconds(10)).until(() -> readers("named").isEmpty());
    }

    private static List<Thread> readers(String child) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("supervision-out-" + child + "-")).toList();
    }
}
