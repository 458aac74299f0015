package dev.supervision.process.internal.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.crash.CrashAction;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashKind;
import dev.supervision.process.crash.CrashMatch;
import dev.supervision.process.crash.CrashSignature;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.output.LineBatch;
import dev.supervision.process.internal.output.Utf8Line;
import dev.supervision.process.output.StdStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream.Builder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CrashClassifierTest {
    /** Fixture files under /crash-logs/: realistic output ending in the signature named by the file (before any "--"). */
    private static final List<String> FIXTURES = List.of(
            "cuda-oom.log", "cuda-oom--older-torch.log", "cuda-error-oom.log", "vllm-free-memory-at-startup.log",
            "vllm-no-cache-blocks.log", "vllm-kv-cache-too-small.log", "llama-cuda-malloc.log",
            "cuda-illegal-memory-access.log", "cuda-device-side-assert.log", "nccl-watchdog-timeout.log",
            "nccl-remote-error.log", "metal-insufficient-memory.log", "metal-command-buffer-failed.log",
            "metal-completed-handler-assertion.log", "vllm-engine-dead.log", "vllm-engine-dead--core-proc.log",
            "vllm-shm-broadcast-timeout.log", "kernel-oom-killer.log", "kernel-oom-killer--cgroup.log",
            "python-memory-error.log", "python-memory-error--numpy.log", "segfault.log", "segfault--faulthandler.log",
            "segfault--dmesg.log", "nvidia-xid-fatal.log", "nvidia-xid-fatal--48.log", "disk-full.log",
            "disk-full--go.log", "port-in-use.log", "port-in-use--llama-server.log", "port-in-use--java.log",
            "vllm-max-context-length.log", "cuda-oom--hip.log", "cuda-error-oom--rocm.log",
            "vllm-free-memory-at-startup--device-name.log", "vllm-kv-cache-too-small--v0.log",
            "vllm-max-model-len-too-large.log", "vllm-max-model-len-too-large--older.log", "argparse-bad-argument.log",
            "argparse-bad-argument--invalid-choice.log", "hf-model-not-found.log", "hf-model-not-found--transformers.log",
            "hf-model-not-found--local-path.log", "hf-gated-repo.log", "vllm-invalid-model.log", "llama-gguf-open-failed.log",
            "llama-model-file-invalid.log", "llama-model-file-invalid--truncated.log", "llama-unknown-architecture.log",
            "llama-invalid-argument.log", "llama-model-load-failed.log", "ollama-model-not-found.log",
            "ollama-model-not-found--manifest.log", "gpu-unavailable.log", "gpu-unavailable--cuda-runtime.log",
            "cublas-alloc-failed.log", "mlx-max-buffer-size.log", "mlx-allocation-failed.log", "mlx-model-unusable.log",
            "ggml-assert.log", "cxx-uncaught-exception.log");

    static List<String> lines(String fixture) {
        try (InputStream in = CrashClassifierTest.class.getResourceAsStream("/crash-logs/" + fixture)) {
            assertThat(in).as(fixture).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static java.util.stream.Stream<String> fixtures() {
        return FIXTURES.stream();
    }

    /** How a test hands lines to the classifier: as the pump does (a reused UTF-8 view) or as plain strings. */
    enum Feed {
        PUMP_VIEW((c, line) -> {
            byte[] bytes = ("garbage before\n" + line + "\ngarbage after").getBytes(StandardCharsets.UTF_8);
            Utf8Line view = new Utf8Line();
            int off = "garbage before\n".length();
            view.set(bytes, off, line.getBytes(StandardCharsets.UTF_8).length, false);
            c.onLine(StdStream.STDERR, view);
        }),
        STRING((c, line) -> c.onLine(StdStream.STDERR, line)),
        /** As the pump hands them over: a read's lines at once (here up to five), as offsets into one buffer. */
        BATCH((c, line) -> batch(c, List.of(line))) {
            @Override
            CrashClassifier classify(SignatureLibrary library, List<String> lines) {
                CrashClassifier c = new CrashClassifier(library);
                for (int i = 0; i < lines.size(); i += 5) batch(c, lines.subList(i, Math.min(lines.size(), i + 5)));
                return c;
            }
        };

        /**
         * The lines in one buffer after a line that is not part of the batch, each ended by \n; a line's
         * trailing \r stays in the buffer but out of the line, as the pump leaves it.
         */
        static void batch(CrashClassifier c, List<String> lines) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.writeBytes("garbage before\n".getBytes(StandardCharsets.UTF_8));
            int[] starts = new int[lines.size()];
            int[] ends = new int[lines.size()];
            boolean ascii = true;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                starts[i] = out.size();
                out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
                ends[i] = line.endsWith("\r") ? out.size() - 1 : out.size();
                out.write('\n');
                ascii &= line.chars().allMatch(ch -> ch < 0x80);
            }
            LineBatch batch = new LineBatch();
            batch.reset(out.toByteArray());
            for (int i = 0; i < lines.size(); i++) batch.add(starts[i], ends[i]);
            batch.ascii = ascii;
            c.accept(StdStream.STDERR, batch);
        }

        final BiConsumer<CrashClassifier, String> feed;

        Feed(BiConsumer<CrashClassifier, String> feed) {
            this.feed = feed;
        }

        CrashClassifier classify(SignatureLibrary library, List<String> lines) {
            CrashClassifier c = new CrashClassifier(library);
            lines.forEach(l -> feed.accept(c, l));
            return c;
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> fixturesAndFeeds() {
        Builder<org.junit.jupiter.params.provider.Arguments> b = java.util.stream.Stream.builder();
        for (String f : FIXTURES) for (Feed feed : Feed.values()) b.add(org.junit.jupiter.params.provider.Arguments.of(f, feed));
        return b.build();
    }

    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("fixturesAndFeeds")
    void realOutputIsMatchedByItsSignature(String fixture, Feed feed) {
        String expected = fixture.replaceFirst("(--.*)?\\.log$", "");
        List<String> lines = lines(fixture);

        CrashClassifier c = feed.classify(SignatureLibrary.builtIn(), lines);

        assertThat(c.matches()).as(fixture).isNotEmpty();
        assertThat(c.matches()).extracting(m -> m.signature().id()).as(fixture).containsOnly(expected);
        CrashMatch m = c.matches().getFirst();
        assertThat(m.stream()).contains(StdStream.STDERR);
        assertThat(lines.get((int) m.lineNumber() - 1)).isEqualTo(m.evidence());
    }

    @Test
    void everyBuiltInLineSignatureHasAFixtureThatMatchesIt() {
        List<String> covered = FIXTURES.stream().map(f -> f.replaceFirst("(--.*)?\\.log$", "")).toList();
        List<String> lineSignatures = SignatureLibrary.builtIn().signatures().stream()
                .filter(s -> s.when() instanceof CrashSignature.When.Line).map(CrashSignature::id).toList();
        assertThat(covered).containsAll(lineSignatures);
    }

    @ParameterizedTest
    @MethodSource("nearMisses")
    void nearMissesAreNotMatched(String line) {
        for (Feed feed : Feed.values()) {
            assertThat(feed.classify(SignatureLibrary.builtIn(), List.of(line)).matches()).as(line).isEmpty();
        }
    }

    static List<String> nearMisses() {
        return lines("near-misses.log");
    }

    @Test
    void aFullCudaOomTracebackIsAGpuOomVerdictWithAnAdjustedRestart() {
        CrashClassifier c = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(), lines("cuda-oom.log"));

        CrashClassification v = c.verdict(new ExitStatus(1)).orElseThrow();

        assertThat(v.kind()).isEqualTo(CrashKind.GPU_OOM);
        assertThat(v.basis()).isEqualTo(CrashBasis.OUTPUT_LINE);
        assertThat(v.action()).isInstanceOf(CrashAction.RestartAdjusted.class);
        assertThat(v.cause().evidence()).startsWith("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB");
        assertThat(v.cause().lineNumber()).isEqualTo(12);
        assertThat(v.describe()).contains("GPU_OOM", "cuda-oom", "exit 1");
    }

    @Test
    void theRootCauseBeforeEngineDeadDecidesAndBothAreKept() {
        List<String> lines = new ArrayList<>(lines("cuda-error-oom.log"));
        lines.addAll(lines("vllm-engine-dead.log"));
        CrashClassifier c = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(), lines);

        CrashClassification v = c.verdict(new ExitStatus(1)).orElseThrow();

        assertThat(v.signature().id()).isEqualTo("cuda-error-oom");
        assertThat(v.first()).map(m -> m.signature().id()).contains("cuda-error-oom");
    }

    @Test
    void aMoreSevereLaterMatchBecomesTheCauseAndTheFirstIsKept() {
        List<String> lines = new ArrayList<>(lines("cuda-oom.log"));
        lines.addAll(lines("nvidia-xid-fatal.log"));
        CrashClassifier c = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(), lines);

        assertThat(c.matches()).extracting(m -> m.signature().id()).containsExactly("cuda-oom", "nvidia-xid-fatal");
        CrashClassification v = c.verdict(new ExitStatus(1)).orElseThrow();
        assertThat(v.kind()).isEqualTo(CrashKind.GPU_HARDWARE);
        assertThat(v.action()).isEqualTo(CrashAction.alert(CrashAction.doNotRestart()));
        assertThat(v.action().restarts()).isFalse();
        assertThat(v.first()).map(CrashMatch::kind).contains(CrashKind.GPU_OOM);
    }

    /** Any SIGKILL reads the same (kill -9, a container runtime, the OOM killer): exit 137 alone is not an OOM kill. */
    @Test
    void exit137AloneIsAKillBySigkillNotAnOomKill() {
        CrashClassification v = new CrashClassifier(SignatureLibrary.builtIn()).verdict(new ExitStatus(137)).orElseThrow();

        assertThat(v.kind()).isEqualTo(CrashKind.KILLED);
        assertThat(v.basis()).isEqualTo(CrashBasis.EXIT_STATUS);
        assertThat(v.cause().evidence()).isEqualTo("killed by SIGKILL (exit 137)");
        assertThat(v.describe()).contains("KILLED (by the exit status alone").doesNotContain("OOM_KILL");
    }

    @Test
    void aRiseOfTheKernelsOomKillCounterMakesExit137AnOomKillOnThatBasis() {
        CrashClassifier c = new CrashClassifier(SignatureLibrary.builtIn());

        assertThat(c.kernelCounted("oom-kill", "memory.events oom_kill 0 -> 1")).isPresent();
        CrashClassification v = c.verdict(new ExitStatus(137)).orElseThrow();

        assertThat(v.kind()).isEqualTo(CrashKind.KERNEL_OOM_KILL);
        assertThat(v.basis()).isEqualTo(CrashBasis.KERNEL_COUNTER);
        assertThat(v.signature().id()).isEqualTo("guard-oom-kill");
        assertThat(v.cause().evidence()).isEqualTo("memory.events oom_kill 0 -> 1");
    }

    @Test
    void aKernelOomLineMakesExit137AnOomKillByThatLine() {
        CrashClassifier c = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(),
                List.of("[12345.678] Out of memory: Killed process 4242 (python3) total-vm:52428800kB"));
        CrashClassification v = c.verdict(new ExitStatus(137)).orElseThrow();
        assertThat(v.kind()).isEqualTo(CrashKind.KERNEL_OOM_KILL);
        assertThat(v.basis()).isEqualTo(CrashBasis.OUTPUT_LINE);
    }

    @Test
    void aGuardReasonWithoutASignatureIsNotAMatch() {
        CrashClassifier c = new CrashClassifier(SignatureLibrary.builtIn());
        assertThat(c.guardTripped("no-such-reason", "x")).isEmpty();
        assertThat(c.matches()).isEmpty();
    }

    @Test
    void exit139IsAConfirmedSegfault() {
        CrashClassification v = new CrashClassifier(SignatureLibrary.builtIn()).verdict(new ExitStatus(139)).orElseThrow();
        assertThat(v.kind()).isEqualTo(CrashKind.SEGFAULT);
        assertThat(v.basis()).isEqualTo(CrashBasis.EXIT_STATUS);
    }

    @Test
    void sigabrtWithTheMetalAssertionLineIsAMetalAssertAndWithoutItAnAbort() {
        CrashClassifier metal = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(), lines("metal-completed-handler-assertion.log"));
        assertThat(metal.verdict(new ExitStatus(134))).map(CrashClassification::kind).contains(CrashKind.METAL_ASSERT);
        assertThat(new CrashClassifier(SignatureLibrary.builtIn()).verdict(new ExitStatus(134)))
                .map(CrashClassification::kind).contains(CrashKind.ABORT);
    }

    /** A native abort (SIGABRT) after a load error is classified by the load error, never as a plain ABORT. */
    @Test
    void aNativeAbortAfterALoadErrorIsClassifiedByThatError() {
        List<String> missingModelThenAssert = new ArrayList<>(lines("llama-gguf-open-failed.log"));
        missingModelThenAssert.addAll(lines("ggml-assert.log"));
        CrashClassification missing = Feed.BATCH.classify(SignatureLibrary.builtIn(), missingModelThenAssert)
                .verdict(new ExitStatus(134)).orElseThrow();
        assertThat(missing.kind()).isEqualTo(CrashKind.MODEL_NOT_FOUND);
        assertThat(missing.action().restarts()).isFalse();

        CrashClassification rocmOom = Feed.BATCH.classify(SignatureLibrary.builtIn(), lines("cuda-error-oom--rocm.log"))
                .verdict(new ExitStatus(134)).orElseThrow();
        assertThat(rocmOom.kind()).isEqualTo(CrashKind.GPU_OOM);

        List<String> unknownCauseThenTerminate = new ArrayList<>(lines("llama-model-load-failed.log"));
        unknownCauseThenTerminate.add("terminate called after throwing an instance of 'std::runtime_error'");
        CrashClassification trailer = Feed.BATCH.classify(SignatureLibrary.builtIn(), unknownCauseThenTerminate)
                .verdict(new ExitStatus(134)).orElseThrow();
        assertThat(trailer.kind()).isEqualTo(CrashKind.MODEL_LOAD_FAILED);
        assertThat(trailer.action().restarts()).isFalse();
    }

    /** llama.cpp prints the same load-failure trailers after a GPU OOM: the OOM, earlier and as severe, stays the cause. */
    @Test
    void llamaLoadFailureTrailersAfterAGpuOomLeaveTheOomAsTheCause() {
        CrashClassification v = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(), lines("llama-cuda-malloc.log"))
                .verdict(new ExitStatus(1)).orElseThrow();
        assertThat(v.kind()).isEqualTo(CrashKind.GPU_OOM);
        assertThat(v.action().restarts()).isTrue();
    }

    /** Model, argument and GPU configuration errors are never retried; a plain load-failure trailer neither. */
    @ParameterizedTest
    @MethodSource("configurationErrors")
    void configurationErrorsAreNeverRetried(String fixture) {
        CrashClassification v = Feed.BATCH.classify(SignatureLibrary.builtIn(), lines(fixture)).verdict(new ExitStatus(1)).orElseThrow();
        assertThat(v.action().restarts()).as(fixture).isFalse();
    }

    static java.util.stream.Stream<String> configurationErrors() {
        return java.util.stream.Stream.of("llama-gguf-open-failed.log", "llama-model-file-invalid.log",
                "llama-model-file-invalid--truncated.log", "llama-unknown-architecture.log", "llama-invalid-argument.log",
                "llama-model-load-failed.log", "hf-model-not-found.log", "hf-model-not-found--transformers.log",
                "hf-model-not-found--local-path.log", "hf-gated-repo.log", "vllm-invalid-model.log",
                "vllm-max-model-len-too-large.log", "argparse-bad-argument.log", "ollama-model-not-found.log",
                "ollama-model-not-found--manifest.log", "gpu-unavailable.log", "mlx-model-unusable.log",
                "vllm-kv-cache-too-small--v0.log");
    }

    @Test
    void aConclusiveExitStatusOutranksAWarningLine() {
        CrashClassifier c = Feed.STRING.classify(SignatureLibrary.builtIn(), lines("vllm-shm-broadcast-timeout.log"));

        assertThat(c.verdict(new ExitStatus(139))).map(CrashClassification::kind).contains(CrashKind.SEGFAULT);
        assertThat(c.verdict(new ExitStatus(1))).map(CrashClassification::kind).contains(CrashKind.SHM_BROADCAST_TIMEOUT);
    }

    @Test
    void aClientErrorIsNotedButNeverDecidesAVerdict() {
        CrashClassifier c = Feed.STRING.classify(SignatureLibrary.builtIn(), lines("vllm-max-context-length.log"));

        assertThat(c.matches()).extracting(CrashMatch::kind).containsExactly(CrashKind.CLIENT_ERROR);
        assertThat(c.verdict(new ExitStatus(1))).isEmpty();
    }

    @Test
    void anUnexplainedExitHasNoVerdict() {
        CrashClassifier c = Feed.STRING.classify(SignatureLibrary.builtIn(), lines("near-misses.log"));
        assertThat(c.verdict(new ExitStatus(1))).isEmpty();
    }

    @Test
    void aUserSignatureTakesPrecedenceOverTheBuiltInOnTheSameLine() {
        SignatureLibrary library = SignatureLibrary.builtIn().with(CrashSignature.builder("my-oom")
                .kind(CrashKind.OTHER).onLine("CUDA out of memory", "CUDA out of memory")
                .action(CrashAction.doNotRestart()).build());

        CrashClassifier c = Feed.PUMP_VIEW.classify(library, lines("cuda-oom.log"));

        assertThat(c.verdict(new ExitStatus(1))).map(v -> v.signature().id()).contains("my-oom");
    }

    @Test
    void aRemovedSignatureNoLongerMatches() {
        SignatureLibrary library = SignatureLibrary.builtIn().without("cuda-oom");
        assertThat(Feed.PUMP_VIEW.classify(library, lines("cuda-oom.log")).matches()).isEmpty();
    }

    @Test
    void anOverriddenActionIsWhatTheVerdictCarries() {
        SignatureLibrary library = SignatureLibrary.builtIn()
                .override("cuda-oom", b -> b.action(CrashAction.restartAdjusted("--batch-size 8")));

        CrashClassification v = Feed.PUMP_VIEW.classify(library, lines("cuda-oom.log")).verdict(new ExitStatus(1)).orElseThrow();

        assertThat(v.action()).isEqualTo(CrashAction.restartAdjusted("--batch-size 8"));
    }

    /** Several lines of one read hold keywords: a near miss first must not hide the crash after it. */
    @Test
    void aNearMissBeforeACrashLineInTheSameReadDoesNotHideIt() {
        List<String> lines = List.of("INFO 11-23 05:44:01 [metrics.py:455] Avg prompt throughput: 12.5 tokens/s",
                "  --gpu-memory-utilization GPU_MEMORY_UTILIZATION  Lower it if you see CUDA out of memory errors.",
                "INFO:     127.0.0.1:40312 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK",
                "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.21 GiB is free.",
                "INFO 11-23 05:44:02 [metrics.py:455] Avg prompt throughput: 12.7 tokens/s");
        for (Feed feed : Feed.values()) {
            CrashClassifier c = feed.classify(SignatureLibrary.builtIn(), lines);
            assertThat(c.matches()).as(feed.name()).extracting(CrashMatch::kind, CrashMatch::lineNumber)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(CrashKind.GPU_OOM, 4L));
        }
    }

    @Test
    void aSignatureWithoutKeywordsIsTestedOnEveryLine() {
        SignatureLibrary library = SignatureLibrary.empty().with(CrashSignature.builder("loss-nan")
                .kind(CrashKind.OTHER).onLine("'loss': nan").build());

        CrashClassifier c = Feed.PUMP_VIEW.classify(library, List.of("{'loss': 0.5}", "{'loss': nan, 'epoch': 1.0}"));

        assertThat(c.matches()).extracting(CrashMatch::lineNumber).containsExactly(2L);
    }

    @Test
    void aDollarKeywordIsLookedForAtTheLinesEndOnlyACarriageReturnIgnored() {
        // The pattern finds "done" anywhere; the keyword lets only lines ending in it be tested.
        SignatureLibrary library = SignatureLibrary.empty().with(CrashSignature.builder("ends-done")
                .kind(CrashKind.OTHER).onLine("worker done", "worker done$").build());
        for (Feed feed : Feed.values()) {
            CrashClassifier c = feed.classify(library, List.of("worker done, next", "worker done\r", "still worker done"));
            assertThat(c.matches()).as(feed.name()).extracting(CrashMatch::lineNumber).containsExactly(2L);
        }
    }

    @Test
    void aRankPrefixedMemoryErrorIsFoundWithAndWithoutAMessage() {
        for (Feed feed : Feed.values()) {
            CrashClassifier c = feed.classify(SignatureLibrary.builtIn(), List.of("[rank0]: MemoryError"));
            assertThat(c.matches()).as(feed.name()).extracting(CrashMatch::kind).containsExactly(CrashKind.HOST_OOM);
            c = feed.classify(SignatureLibrary.builtIn(), List.of("[rank3]: MemoryError: std::bad_alloc"));
            assertThat(c.matches()).as(feed.name()).extracting(CrashMatch::kind).containsExactly(CrashKind.HOST_OOM);
        }
    }

    @Test
    void nonAsciiLinesAreMatched() {
        CrashClassifier c = Feed.PUMP_VIEW.classify(SignatureLibrary.builtIn(),
                List.of("训练失败 ▎ torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 0 bytes is free."));
        assertThat(c.matches()).extracting(CrashMatch::kind).containsExactly(CrashKind.GPU_OOM);
    }

    @Test
    void theMatchCallbackSeesMatchesThatChangeTheVerdictOnly() {
        List<CrashMatch> seen = new CopyOnWriteArrayList<>();
        CrashClassifier c = new CrashClassifier(SignatureLibrary.builtIn(), java.time.Clock.systemUTC(), seen::add);
        List<String> lines = new ArrayList<>(lines("cuda-oom.log"));
        lines.addAll(lines("cuda-oom.log"));
        lines.addAll(lines("disk-full.log"));
        lines.forEach(l -> c.onLine(StdStream.STDOUT, l));

        assertThat(seen).extracting(m -> m.signature().id()).containsExactly("cuda-oom", "disk-full");
    }

    @Test
    void twoStreamsFedConcurrentlyKeepTheMostSevereMatchAndCountLinesPerStream() throws Exception {
        int n = 200_000;
        for (int round = 0; round < 20; round++) {
            CrashClassifier c = new CrashClassifier(SignatureLibrary.builtIn());
            CountDownLatch go = new CountDownLatch(1);
            try (var pool = Executors.newFixedThreadPool(2)) {
                Future<?> out = pool.submit(() -> feed(c, go, StdStream.STDOUT, n, n / 2,
                        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which 1.21 GiB is free."));
                Future<?> err = pool.submit(() -> feed(c, go, StdStream.STDERR, n, n / 2,
                        "NVRM: Xid (PCI:0000:3b:00): 79, pid=48213, name=python3, GPU has fallen off the bus."));
                go.countDown();
                out.get(1, TimeUnit.MINUTES);
                err.get(1, TimeUnit.MINUTES);
            }
            CrashClassification v = c.verdict(new ExitStatus(1)).orElseThrow();
            assertThat(v.kind()).isEqualTo(CrashKind.GPU_HARDWARE);
            assertThat(v.cause().stream()).contains(StdStream.STDERR);
            assertThat(v.cause().lineNumber()).isEqualTo(n / 2);
            assertThat(v.first()).map(CrashMatch::lineNumber).contains((long) n / 2);
        }
    }

    private static Void feed(CrashClassifier c, CountDownLatch go, StdStream stream, int n, int at, String crash) throws InterruptedException {
        byte[] ordinary = "INFO 11-23 05:44:01 [metrics.py:455] Avg prompt throughput: 1234.5 tokens/s, GPU KV cache usage: 45.6%"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] bad = crash.getBytes(StandardCharsets.US_ASCII);
        Utf8Line view = new Utf8Line();
        go.await();
        for (int i = 1; i <= n; i++) {
            byte[] line = i == at ? bad : ordinary;
            view.set(line, 0, line.length, false);
            c.onLine(stream, view);
        }
        return null;
    }

    @Test
    void matchesIsEmptyBeforeAnything() {
        assertThat(new CrashClassifier(SignatureLibrary.builtIn()).matches()).isEmpty();
    }
}
