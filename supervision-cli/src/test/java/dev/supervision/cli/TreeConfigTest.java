package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.supervision.AutoShutdown;
import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.GiveUp;
import dev.supervision.Restart;
import dev.supervision.Shutdown;
import dev.supervision.Strategy;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.StopSignal;
import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashReport;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.LaunchPlan;
import dev.supervision.process.crash.RestartAdvisor;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.preflight.Preflight;
import dev.supervision.process.probe.Probe;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tree file's schema, without starting anything. {@link #ROWS} has a row for every key of docs/cli.md's tables
 * (supervisor keys, process keys, probes), each setting a value other than the default and checking that exactly
 * that value reached the built {@link dev.supervision.SupervisorSpec}, {@link ChildSpec} or {@link ProcessSpec};
 * {@link #theRowsCoverExactlyTheKeysThatDocsCliMdDocumentsAndTreeConfigReads} fails on a key documented or read
 * without a row.
 */
class TreeConfigTest {
    private static final Path STATE = Path.of("/tmp/state");
    private static final Path CLI_MD = Path.of("../docs/cli.md");
    /** A tree with every key left out; no row's check passes on it (except where the only value is the default). */
    private static final String MINIMAL = "children: [{id: a, command: [x]}]";
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /** Checks a parsed tree; {@code dir} is the temporary directory written as {@code $DIR} in the row's YAML. */
    @FunctionalInterface
    private interface Check {
        void verify(Plan plan, Path dir) throws IOException;
    }

    /** Checks the spec of the process child {@code a}. */
    @FunctionalInterface
    private interface SpecCheck {
        void verify(ProcessSpec spec);
    }

    /**
     * One documented key with one value.
     *
     * @param table       the docs/cli.md table that documents the key: supervisor, process or probe
     * @param key         the key, as the table's first column names it
     * @param variant     which form of the value, when a key has several; empty otherwise
     * @param yaml        a tree setting the key to a value other than its default
     * @param check       that this value, exactly, reached the built specs
     * @param onlyDefault the key's only value is its default ({@code type: process}): the check passes without it too
     */
    private record Row(String table, String key, String variant, String yaml, Check check, boolean onlyDefault) {
        @Override
        public String toString() { return table + "." + key + (variant.isEmpty() ? "" : " (" + variant + ")"); }
    }

    private static Row supervisor(String key, String variant, String yaml, Check check) {
        return new Row("supervisor", key, variant, yaml, check, false);
    }

    /** A row of a top-level key: {@code setting} (a line of YAML) above the children of {@link #MINIMAL}. */
    private static Row top(String key, String variant, String setting, Check check) {
        return supervisor(key, variant, setting + "\n" + MINIMAL, check);
    }

    private static Row process(String key, String variant, String yaml, Check check) {
        return new Row("process", key, variant, yaml, check, false);
    }

    /** A row of the process child {@code a} with {@code settings} (entries of a flow mapping) besides its command. */
    private static Row process(String key, String variant, String settings, SpecCheck check) {
        return process(key, variant, withA(settings), (plan, dir) -> check.verify(spec(plan, "a")));
    }

    private static Row process(String key, String settings, SpecCheck check) {
        return process(key, "", settings, check);
    }

    private static Row probe(String key, String settings, SpecCheck check) {
        return new Row("probe", key, "", withA(settings), (plan, dir) -> check.verify(spec(plan, "a")), false);
    }

    private static String withA(String settings) {
        return "children: [{id: a, command: [x], " + settings + "}]";
    }

    /** A tree of one nested supervisor {@code trainers} with {@code settings} (entries of a flow mapping, each with ", "). */
    private static String nested(String settings) {
        return "children: [{type: supervisor, name: trainers, " + settings + "children: [{id: t, command: [x]}]}]";
    }

    private static final List<Row> ROWS = List.of(
            top("name", "top level", "name: llm", (plan, dir) -> assertThat(plan.root().name()).isEqualTo("llm")),
            supervisor("name", "nested: the child's id", nested(""),
                    (plan, dir) -> assertThat(child(plan, "trainers").id()).isEqualTo("trainers")),
            supervisor("type", "", nested(""),
                    (plan, dir) -> assertThat(child(plan, "trainers").type()).isEqualTo(ChildType.SUPERVISOR)),
            top("strategy", "", "strategy: rest-for-one",
                    (plan, dir) -> assertThat(plan.root().strategy()).isEqualTo(Strategy.REST_FOR_ONE)),
            top("intensity", "", "intensity: 4", (plan, dir) -> assertThat(plan.root().intensity()).isEqualTo(4)),
            top("period", "", "period: 2m", (plan, dir) -> assertThat(plan.root().period()).isEqualTo(Duration.ofMinutes(2))),
            top("giveUp", "circuitBreaker", "giveUp: {circuitBreaker: {coolDown: 1m, stableFor: 5m}}", (plan, dir) -> assertThat(
                    plan.root().giveUp()).isEqualTo(GiveUp.circuitBreaker(Duration.ofMinutes(1), Duration.ofMinutes(5)))),
            top("autoShutdown", "any_significant", "autoShutdown: any_significant",
                    (plan, dir) -> assertThat(plan.root().autoShutdown()).isEqualTo(AutoShutdown.ANY_SIGNIFICANT)),
            top("autoShutdown", "all_significant", "autoShutdown: All-Significant",
                    (plan, dir) -> assertThat(plan.root().autoShutdown()).isEqualTo(AutoShutdown.ALL_SIGNIFICANT)),
            supervisor("restart", "", nested("restart: transient, "),
                    (plan, dir) -> assertThat(child(plan, "trainers").restart()).isEqualTo(Restart.TRANSIENT)),
            supervisor("significant", "", "autoShutdown: any_significant\n" + nested("restart: temporary, significant: true, "),
                    (plan, dir) -> assertThat(child(plan, "trainers").significant()).isTrue()),
            supervisor("children", "", """
                    children:
                      - {id: a, command: [x]}
                      - {type: supervisor, name: trainers, children: [{id: t, command: [y]}]}""", (plan, dir) -> {
                        assertThat(plan.children()).extracting(ChildSpec::id).containsExactly("a", "trainers");
                        assertThat(plan.root().children()).as("the root's spec (its children start one by one)").isEmpty();
                        assertThat(plan.processes()).containsOnlyKeys("a", "trainers/t");
                        assertThat(spec(plan, "trainers/t").command()).containsExactly("y");
                    }),

            new Row("process", "type", "", "children: [{type: process, id: a, command: [x]}]", (plan, dir) -> {
                assertThat(child(plan, "a").type()).isEqualTo(ChildType.WORKER);
                assertThat(spec(plan, "a").id()).isEqualTo("a");
            }, true),
            process("id", "", "children: [{id: server, command: [x]}]", (plan, dir) -> {
                assertThat(plan.children()).extracting(ChildSpec::id).containsExactly("server");
                assertThat(spec(plan, "server").id()).isEqualTo("server");
            }),
            process("command", "", "children: [{id: a, command: [vllm, serve, m, --port, 8000]}]", (plan, dir) -> {
                assertThat(spec(plan, "a").command()).containsExactly("vllm", "serve", "m", "--port", "8000");
                assertThat(spec(plan, "a").shell()).isFalse();
            }),
            process("shell", "", "children: [{id: a, shell: 'exec sleep 1000 | cat'}]", (plan, dir) -> {
                assertThat(spec(plan, "a").argv()).containsExactly("/bin/sh", "-c", "exec sleep 1000 | cat");
                assertThat(spec(plan, "a").shell()).isTrue();
            }),
            process("env", "env: {CUDA_VISIBLE_DEVICES: 0, HF_HOME: /models}", s -> assertThat(s.environment())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("CUDA_VISIBLE_DEVICES", "0", "HF_HOME", "/models"))),
            process("inheritEnv", "inheritEnv: false", s -> assertThat(s.inheritEnvironment()).isFalse()),
            process("cwd", "cwd: /srv", s -> assertThat(s.workingDirectory()).hasValue(Path.of("/srv"))),
            process("readiness", """
                    readiness: {http: 'http://localhost:8000/up', bodyMatches: o+k, interval: 1s, timeout: 3s}""", s -> {
                assertThat(s.readiness()).hasValueSatisfying(p -> assertHttp(p, "http://localhost:8000/up", Optional.of("o+k")));
                assertThat(s.readinessInterval()).as("interval").isEqualTo(Duration.ofSeconds(1));
                assertThat(s.probeTimeout()).as("timeout").isEqualTo(Duration.ofSeconds(3));
            }),
            process("liveness", """
                    liveness: {tcp: '127.0.0.1:8000', initialDelay: 30s, interval: 5s, timeout: 2s, failureThreshold: 5}""",
                    s -> assertThat(s.liveness()).hasValue(new Probe.Liveness(Probe.tcp("127.0.0.1", 8000),
                            Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(2), 5))),
            process("startSeconds", "startSeconds: 0", s -> assertThat(s.startSeconds()).isZero()),
            process("startTimeout", "", withA("startTimeout: 10m"), (plan, dir) -> {
                assertThat(spec(plan, "a").startTimeout()).isEqualTo(Duration.ofMinutes(10));
                assertThat(child(plan, "a").startTimeout()).hasValue(Duration.ofMinutes(10));
            }),
            process("stopSignal", "stopSignal: int", s -> assertThat(s.stopSignal()).isEqualTo(StopSignal.INT)),
            process("stopTimeout", "", withA("stopTimeout: 30s"), (plan, dir) -> {
                assertThat(spec(plan, "a").stopTimeout()).isEqualTo(Duration.ofSeconds(30));
                assertThat(child(plan, "a").shutdown()).as("shutdown: stopTimeout + STOP_MARGIN")
                        .isEqualTo(Shutdown.timeout(Duration.ofSeconds(30).plus(ProcessSpec.STOP_MARGIN)));
            }),
            backoff("none", Backoff.none()),
            backoff("5s", Backoff.fixed(Duration.ofSeconds(5))),
            backoff("1s..1m", new Backoff.Exponential(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2, Duration.ofMinutes(2))),
            backoff("{initial: 1s, cap: 1m, jitter: 0.1, resetAfter: 10m}",
                    new Backoff.Exponential(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.1, Duration.ofMinutes(10))),
            backoff("{initial: 2s, cap: 1m}",
                    new Backoff.Exponential(Duration.ofSeconds(2), Duration.ofMinutes(1), 0.2, Duration.ofMinutes(2))),
            process("restart", "", withA("restart: transient"), (plan, dir) -> {
                assertThat(spec(plan, "a").restart()).isEqualTo(Restart.TRANSIENT);
                assertThat(child(plan, "a").restart()).isEqualTo(Restart.TRANSIENT);
            }),
            process("significant", "", "autoShutdown: any_significant\n" + withA("restart: temporary, significant: true"),
                    (plan, dir) -> {
                        assertThat(spec(plan, "a").significant()).isTrue();
                        assertThat(child(plan, "a").significant()).isTrue();
                    }),
            process("normalExitCodes", "normalExitCodes: [0, 143]",
                    s -> assertThat(s.normalExitCodes()).containsExactlyInAnyOrder(0, 143)),
            process("restartNowCodes", "restartNowCodes: [42, 43]",
                    s -> assertThat(s.restartNowCodes()).containsExactlyInAnyOrder(42, 43)),
            process("fatalExitCodes", "fatalExitCodes: [78]", s -> assertThat(s.fatalExitCodes()).containsExactly(78)),
            process("silenceTimeout", "silenceTimeout: 5m", s -> assertThat(s.silenceTimeout()).hasValue(Duration.ofMinutes(5))),
            process("heartbeat", "heartbeat: {file: /srv/heartbeat, maxAge: 2m}", s -> assertThat(s.heartbeat())
                    .hasValue(new ProcessSpec.Heartbeat(Path.of("/srv/heartbeat"), Duration.ofMinutes(2)))),
            process("maxAge", "maxAge: 1d", s -> assertThat(s.maxAge()).hasValue(Duration.ofDays(1))),
            process("output", "per stream", """
                    output: {stdout: [passthrough, {file: /tmp/out.log, maxSize: 10MiB, keep: 2}], stderr: discard,
                             maxLineLength: 16KiB, tailLines: 500}""", s -> {
                assertThat(s.output().stdoutSinks()).as("stdout")
                        .containsExactly(OutputSink.passThrough(), OutputSink.rotatingFile(Path.of("/tmp/out.log"), 10 * MIB, 2));
                assertThat(s.output().stderrSinks()).as("stderr").containsExactly(OutputSink.discard());
                assertThat(s.output().maxLineLength()).as("maxLineLength").isEqualTo(16 * 1024);
                assertThat(s.output().tailLines()).as("tailLines").isEqualTo(500);
            }),
            process("output", "sinks, a file with the defaults", "output: {sinks: [discard, {file: /tmp/out.log}]}", s -> {
                List<OutputSink> sinks = List.of(OutputSink.discard(),
                        OutputSink.rotatingFile(Path.of("/tmp/out.log"), 100 * MIB, 5));
                assertThat(s.output().stdoutSinks()).as("stdout").isEqualTo(sinks);
                assertThat(s.output().stderrSinks()).as("stderr").isEqualTo(sinks);
            }),
            process("output", "stdout replaces sinks", "output: {sinks: [discard], stdout: passthrough}", s -> {
                assertThat(s.output().stdoutSinks()).as("stdout").containsExactly(OutputSink.passThrough());
                assertThat(s.output().stderrSinks()).as("stderr").containsExactly(OutputSink.discard());
            }),
            process("stateDirectory", "stateDirectory: /var/lib/llm",
                    s -> assertThat(s.stateDirectory()).isEqualTo(Path.of("/var/lib/llm"))),
            process("guards", """
                    guards: {memoryLimit: 48GiB, gpuMemoryLimit: 70GiB, interval: 2s, gpuReleaseTimeout: 90s,
                             nvidiaSmi: /usr/bin/nvidia-smi}""", s -> assertThat(s.guards()).isEqualTo(new GuardSpec(48 * GIB,
                    70 * GIB, Duration.ofSeconds(2), Duration.ofSeconds(90), Optional.of(Path.of("/usr/bin/nvidia-smi"))))),
            process("hostMemoryFloor", "fraction",
                    "hostMemoryFloor: {fraction: 0.06, interval: 2s, coolDown: 1m, minRecovered: 512MiB, maxUselessBrakes: 5}",
                    s -> assertThat(s.hostMemoryFloor())
                            .hasValue(new HostMemoryFloor(0, 0.06, Duration.ofSeconds(2), Duration.ofMinutes(1), 512 * MIB, 5))),
            process("hostMemoryFloor", "bytes", "hostMemoryFloor: {bytes: 2GiB}", s -> assertThat(s.hostMemoryFloor())
                    .hasValue(new HostMemoryFloor(2 * GIB, 0, HostMemoryFloor.DEFAULT_INTERVAL, HostMemoryFloor.DEFAULT_COOL_DOWN,
                            HostMemoryFloor.DEFAULT_MIN_RECOVERED_BYTES, HostMemoryFloor.DEFAULT_MAX_USELESS_BRAKES))),
            process("preflight", "every check", """
                    preflight: {diskFree: [{path: /var/log, bytes: 1GiB}, {path: /tmp, bytes: 2GiB}], memoryAvailable: 8GiB,
                                gpuPresent: true, fileExists: [/models/m/config.json, /models/m/weights],
                                portFree: [8000, 8001]}""",
                    s -> assertThat(s.preflight()).hasValue(Preflight.all(
                            Preflight.diskFree(Path.of("/var/log"), GIB), Preflight.diskFree(Path.of("/tmp"), 2 * GIB),
                            Preflight.memoryAvailable(8 * GIB),
                            Preflight.gpuPresent(),
                            Preflight.fileExists(Path.of("/models/m/config.json")),
                            Preflight.fileExists(Path.of("/models/m/weights")),
                            Preflight.portFree(8000), Preflight.portFree(8001)))),
            process("preflight", "gpuPresent: false adds no check", "preflight: {gpuPresent: false, memoryAvailable: 1GiB}",
                    s -> assertThat(s.preflight()).hasValue(Preflight.all(Preflight.memoryAvailable(GIB)))),
            process("advisor", "stepDown",
                    "advisor: {stepDown: {flag: --gpu-memory-utilization, step: 0.05, floor: 0.6, kinds: [GPU_OOM, KILLED]}}",
                    s -> {
                        RestartAdvisor advisor = advisor(s);
                        assertThat(advisor.advise(vllm("0.9"), crash("GPU_OOM"))).as("step").isEqualTo(vllm("0.85"));
                        assertThat(advisor.advise(vllm("0.9"), crash("KILLED"))).as("kinds").isEqualTo(vllm("0.85"));
                        assertThat(advisor.advise(vllm("0.62"), crash("GPU_OOM"))).as("floor").isEqualTo(vllm("0.6"));
                        assertThat(advisor.advise(vllm("0.9"), crash("EXIT_CODE"))).as("another kind").isEqualTo(vllm("0.9"));
                    }),
            process("advisor", "resumeFromCheckpoint with the defaults",
                    withA("advisor: {resumeFromCheckpoint: {dir: $DIR, flag: --resume-from-checkpoint}}"), (plan, dir) -> {
                        checkpoint(dir, "checkpoint-100", "trainer_state.json");
                        checkpoint(dir, "checkpoint-200", "partial");
                        checkpoint(dir, "ckpt-300", "trainer_state.json");
                        LaunchPlan first = LaunchPlan.of(List.of("python", "train.py"));
                        assertThat(advisor(spec(plan, "a")).advise(first, Optional.empty())).isEqualTo(LaunchPlan.of(List.of(
                                "python", "train.py", "--resume-from-checkpoint", dir.resolve("checkpoint-100").toString())));
                    }),
            process("advisor", "resumeFromCheckpoint, then stepDown", """
                    children:
                      - id: a
                        command: [x]
                        advisor:
                          resumeFromCheckpoint: {dir: $DIR, flag: --resume, prefix: ckpt-, markerFile: done}
                          stepDown: {flag: --lr, step: 0.5, floor: 1, kinds: [NAN_LOSS]}""", (plan, dir) -> {
                        checkpoint(dir, "ckpt-7", "done");
                        checkpoint(dir, "ckpt-8", "trainer_state.json");
                        checkpoint(dir, "checkpoint-9", "done");
                        LaunchPlan previous = LaunchPlan.of(List.of("train", "--lr", "2"));
                        assertThat(advisor(spec(plan, "a")).advise(previous, crash("NAN_LOSS")))
                                .isEqualTo(LaunchPlan.of(List.of("train", "--lr", "1.5", "--resume", dir.resolve("ckpt-7")
                                        .toString())));
                    }),
            process("signatures", "", """
                    children: [{id: a, command: [x], signatures: none}, {id: b, command: [x], signatures: builtIn}]""",
                    (plan, dir) -> {
                        assertThat(spec(plan, "a").signatures()).isSameAs(SignatureLibrary.empty());
                        assertThat(spec(plan, "b").signatures()).isSameAs(SignatureLibrary.builtIn());
                    }),
            process("crashHistory", "crashHistory: false", s -> assertThat(s.crashHistory()).isFalse()),
            process("proxy", "", withA("proxy: {upstream: 'http://127.0.0.1:8000', listen: '0.0.0.0:8080', journal: /var/j.db,"
                    + " retention: 2h, maxHeld: 7, holdDeadline: 30s, retryAfter: 9s, maxAttempts: 3, maxConcurrent: 4,"
                    + " maxBodySize: 1MiB, attemptTimeout: 1m}"), (plan, dir) -> {
                        assertThat(plan.proxies()).singleElement().satisfies(p -> {
                            assertThat(p.child()).isEqualTo("a");
                            assertThat(p.spec().upstream()).isEqualTo(java.net.URI.create("http://127.0.0.1:8000"));
                            assertThat(p.spec().upstreamChild()).contains("a");
                            assertThat(p.spec().listenHost()).isEqualTo("0.0.0.0");
                            assertThat(p.spec().listenPort()).isEqualTo(8080);
                            assertThat(p.spec().maxHeld()).isEqualTo(7);
                            assertThat(p.spec().holdDeadline()).isEqualTo(Duration.ofSeconds(30));
                            assertThat(p.spec().retryAfter()).isEqualTo(Duration.ofSeconds(9));
                            assertThat(p.spec().maxAttempts()).isEqualTo(3);
                            assertThat(p.spec().maxConcurrent()).isEqualTo(4);
                            assertThat(p.spec().maxBodyBytes()).isEqualTo(MIB);
                            assertThat(p.spec().attemptTimeout()).isEqualTo(Duration.ofMinutes(1));
                            assertThat(p.journal().file()).isEqualTo(Path.of("/var/j.db"));
                            assertThat(p.journal().retention()).isEqualTo(Duration.ofHours(2));
                            // The server's crash reports list the requests the proxy had in flight.
                            assertThat(spec(plan, "a").inFlightRequests()).isEqualTo(p.spec().inFlightRequests());
                        });
                    }),

            probe("http", "readiness: {http: 'https://example.com:8443/ready'}", s -> assertThat(s.readiness())
                    .hasValueSatisfying(p -> assertHttp(p, "https://example.com:8443/ready", Optional.empty()))),
            probe("bodyMatches", "liveness: {http: 'http://127.0.0.1:8000/health', bodyMatches: '\"status\": *\"ok\"'}",
                    s -> assertThat(s.liveness()).hasValueSatisfying(l ->
                            assertHttp(l.probe(), "http://127.0.0.1:8000/health", Optional.of("\"status\": *\"ok\"")))),
            probe("tcp", "liveness: {tcp: 'localhost:9000'}",
                    s -> assertThat(s.liveness()).hasValue(Probe.Liveness.of(Probe.tcp("localhost", 9000)))),
            probe("logLine", "readiness: {logLine: 'listening on \\d+'}", s -> assertThat(s.readiness()).hasValueSatisfying(p ->
                    assertThat(p).isInstanceOfSatisfying(Probe.LogLine.class,
                            l -> assertThat(l.pattern().pattern()).isEqualTo("listening on \\d+")))),
            probe("file", "readiness: {file: /tmp/ready}",
                    s -> assertThat(s.readiness()).hasValue(Probe.file(Path.of("/tmp/ready")))),
            probe("command", "liveness: {command: [curl, -f, 'http://127.0.0.1/']}",
                    s -> assertThat(s.liveness()).hasValue(Probe.Liveness.of(Probe.command("curl", "-f", "http://127.0.0.1/")))));

    private static Row backoff(String value, Backoff expected) {
        return process("backoff", value, "children: [{id: a, command: [x], backoff: " + value + "}]", (plan, dir) -> {
            assertThat(spec(plan, "a").backoff()).isEqualTo(expected);
            assertThat(child(plan, "a").backoff()).isEqualTo(expected);
        });
    }

    private static Plan parse(String yaml) {
        return TreeConfig.parse(yaml, "tree.yaml", Optional.empty(), STATE, new ChildLogs());
    }

    private static ProcessSpec spec(Plan plan, String path) {
        assertThat(plan.processes()).as("process children by path").containsKey(path);
        return plan.processes().get(path);
    }

    private static ChildSpec child(Plan plan, String id) {
        assertThat(plan.children()).extracting(ChildSpec::id).as("the root's children").contains(id);
        return plan.children().stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private static RestartAdvisor advisor(ProcessSpec spec) {
        assertThat(spec.advisor()).as("advisor").isPresent();
        return spec.advisor().orElseThrow();
    }

    private static void assertHttp(Probe probe, String uri, Optional<String> bodyMatches) {
        assertThat(probe).isInstanceOfSatisfying(Probe.Http.class, h -> {
            assertThat(h.uri()).as("http").isEqualTo(URI.create(uri));
            assertThat(h.bodyMatches().map(Pattern::pattern)).as("bodyMatches").isEqualTo(bodyMatches);
        });
    }

    private static LaunchPlan vllm(String utilization) {
        return LaunchPlan.of(List.of("vllm", "serve", "m", "--gpu-memory-utilization", utilization));
    }

    private static Optional<CrashReport> crash(String kind) {
        return Optional.of(new CrashReport("t", "a", 1, Instant.now(), kind, CrashBasis.OUTPUT_LINE, "a line", Optional.empty(),
                Optional.of(new ExitStatus(1)), List.of(), Duration.ofSeconds(5), OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), List.of()));
    }

    private static void checkpoint(Path dir, String name, String file) throws IOException {
        Files.createDirectories(dir.resolve(name));
        Files.writeString(dir.resolve(name).resolve(file), "{}");
    }

    private static Stream<Row> rows() { return ROWS.stream(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyDocumentedKeyReachesTheBuiltSpec(Row row, @TempDir Path dir) {
        assertThatCode(() -> row.check().verify(parse(row.yaml().replace("$DIR", dir.toString())), dir))
                .as("%s", row).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyRowsValueDiffersFromTheDefault(Row row, @TempDir Path dir) {
        Plan minimal = parse(MINIMAL);
        if (row.onlyDefault()) {
            assertThatCode(() -> row.check().verify(minimal, dir)).as("%s on %s", row, MINIMAL).doesNotThrowAnyException();
        } else {
            assertThat(catchThrowable(() -> row.check().verify(minimal, dir)))
                    .as("the check of %s on %s, without the key (it must fail: the row sets no default)", row, MINIMAL)
                    .isInstanceOf(AssertionError.class);
        }
    }

    @Test
    void theRowsCoverExactlyTheKeysThatDocsCliMdDocumentsAndTreeConfigReads() throws IOException {
        Map<String, Set<String>> documented = documentedKeys();
        Map<String, Set<String>> covered = ROWS.stream().collect(Collectors.groupingBy(Row::table, TreeMap::new,
                Collectors.mapping(Row::key, Collectors.toCollection(TreeSet::new))));
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(documented).as("the key tables of %s", CLI_MD).containsOnlyKeys("supervisor", "process", "probe");
            documented.forEach((table, keys) -> softly.assertThat(covered.getOrDefault(table, Set.of()))
                    .as("keys of the %s table in %s (expected) and keys with a row in ROWS (actual)", table, CLI_MD)
                    .containsExactlyInAnyOrderElementsOf(keys));
            softly.assertThat(TreeConfig.SUPERVISOR_KEYS).as("TreeConfig.SUPERVISOR_KEYS and the supervisor table in %s", CLI_MD)
                    .containsExactlyInAnyOrderElementsOf(documented.getOrDefault("supervisor", Set.of()));
            softly.assertThat(TreeConfig.PROCESS_KEYS).as("TreeConfig.PROCESS_KEYS and the process table in %s", CLI_MD)
                    .containsExactlyInAnyOrderElementsOf(documented.getOrDefault("process", Set.of()));
        });
    }

    /** The keys in the first column of docs/cli.md's tables of supervisor keys, process keys and probes. */
    private static Map<String, Set<String>> documentedKeys() throws IOException {
        Map<String, String> tables = Map.of("### Supervisor keys", "supervisor", "### Process keys", "process",
                "### Probes", "probe");
        Pattern code = Pattern.compile("`([^`:]+)[^`]*`");            // `name`, `http: URL`: the part before ':'
        Map<String, Set<String>> keys = new TreeMap<>();
        String table = null;
        boolean fenced = false;
        for (String line : Files.readAllLines(CLI_MD)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.startsWith("#")) {
                table = tables.entrySet().stream().filter(e -> line.startsWith(e.getKey())).map(Map.Entry::getValue)
                        .findFirst().orElse(null);
            } else if (!fenced && table != null && line.startsWith("| `")) {
                Matcher m = code.matcher(line.split("\\|")[1]);
                while (m.find()) keys.computeIfAbsent(table, t -> new TreeSet<>()).add(m.group(1).strip());
            }
        }
        return keys;
    }

    @Test
    void readsTheExampleTreeOfDocsCliMd() throws IOException {
        String doc = Files.readString(CLI_MD);
        Matcher example = Pattern.compile("## A tree from a file\n(?s:.*?)```yaml\n(?<yaml>(?s:.*?))```").matcher(doc);
        assertThat(example.find()).as("a ```yaml block under '## A tree from a file' in %s", CLI_MD).isTrue();
        Plan plan = parse(example.group("yaml"));
        assertThat(plan.root().name()).isEqualTo("llm");
        assertThat(plan.children()).extracting(ChildSpec::id).containsExactly("server", "trainers");
        assertThat(plan.processes()).containsOnlyKeys("server", "trainers/trainer");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {children: [{id: a, command: [x], guards: {memoryLimit: lots}}]}                 | children[0].guards.memoryLimit: expected
            {children: [{id: a, command: [x], guards: {interval: 10ms}}]}                    | children[0].guards: guards.interval: expected >= PT0.1S, was PT0.01S
            {children: [{id: a, command: [x], guards: {rss: 1GiB}}]}                         | children[0].guards.rss: unknown key
            {children: [{id: a, command: [x], hostMemoryFloor: {fraction: 1.5}}]}            | children[0].hostMemoryFloor.fraction: expected a fraction between 0 and 1 (exclusive), was 1.5
            {children: [{id: a, command: [x], hostMemoryFloor: {}}]}                         | children[0].hostMemoryFloor: expected exactly one of bytes, fraction, was none
            {children: [{id: a, command: [x], preflight: {portFree: [0]}}]}                  | children[0].preflight.portFree[0]: expected an integer in 1..65535, was 0
            {children: [{id: a, command: [x], preflight: {diskFree: [{path: /x}]}}]}         | children[0].preflight.diskFree[0].bytes: required
            {children: [{id: a, command: [x], advisor: {}}]}                                 | children[0].advisor: expected resumeFromCheckpoint and/or stepDown
            {children: [{id: a, command: [x], advisor: {stepDown: {flag: --u, step: x, floor: 0.5, kinds: [GPU_OOM]}}}]} | children[0].advisor.stepDown.step: expected a number, was 'x'
            {children: [{id: a, command: [x], advisor: {stepDown: {flag: --u, step: 0.1, floor: 0.5}}}]} | children[0].advisor.stepDown.kinds: required, e.g. [GPU_OOM]
            {children: [{id: a, command: [x], signatures: all}]}                             | children[0].signatures: expected builtIn or none, was 'all'
            """)
    void rejectsBadGuardAndCrashIntelligenceKeys(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    @Test
    void treeOptionReplacesTheFilesName() {
        Plan plan = TreeConfig.parse("name: a\nchildren: [{id: x, command: [true]}]", "t", Optional.of("b"), STATE, new ChildLogs());
        assertThat(plan.root().name()).isEqualTo("b");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            [1, 2]                                                                  | tree.yaml: expected a mapping at the top level (name, strategy, children, ...), was a list
            {children: [{id: a, command: [x], shell: x}]}                          | children[0]: expected exactly one of command, shell, was command and shell
            {children: [{id: a}]}                                                  | children[0]: expected exactly one of command, shell, was none
            {children: [{command: [x]}]}                                           | children[0].id: required
            {children: [{id: a b, command: [x]}]}                                  | children[0].id: expected 1 to 64 letters, digits, '-' or '_', was 'a b'
            {children: [{id: a, command: [x], readiness: {http: 'ftp://x'}}]}      | children[0].readiness.http: probe.http.uri: expected an http:// or https:// URL, was 'ftp://x'
            {children: [{id: a, command: [x], readiness: {logLine: '('}}]}         | children[0].readiness.logLine: not a valid regular expression: Unclosed group in '('
            {children: [{id: a, command: [x], liveness: {logLine: x}}]}            | children[0].liveness.logLine: unknown key (expected one of bodyMatches, command, failureThreshold, file, http, initialDelay, interval, tcp, timeout)
            {children: [{id: a, command: [x], normalExitCodes: [0, 300]}]}         | children[0].normalExitCodes[1]: expected an integer in 0..255, was 300
            {children: [{id: a, command: [x], normalExitCodes: [1], fatalExitCodes: [1]}]} | children[0]: process 'a': normalExitCodes and fatalExitCodes must not overlap, both contain [1]
            {children: [{id: a, command: [x], significant: true}]}                 | children[0]: process 'a': significant=true requires restart TRANSIENT or TEMPORARY, was PERMANENT
            {children: [{id: a, command: [x], restart: temporary, significant: true}]} | supervisor 'supervise': children[0] ('a') is significant but autoShutdown is NEVER; set ANY_SIGNIFICANT or ALL_SIGNIFICANT
            {giveUp: never, children: [{id: a, command: [x]}]}                    | giveUp: expected escalate or {circuitBreaker: {coolDown: 1m, stableFor: 5m}}, was 'never'
            {restart: permanent, children: [{id: a, command: [x]}]}               | restart: applies to nested supervisors only
            {children: [{type: worker, id: a, command: [x]}]}                     | children[0].type: expected process or supervisor, was 'worker'
            {children: [{id: a, command: [x], output: {sinks: [syslog]}}]}        | children[0].output.sinks[0]: expected logger, passthrough, discard or {file: PATH, maxSize: 100MiB, keep: 5}, was 'syslog'
            {children: [{id: a, command: [x], env: {SUPERVISION_X: 1}}]}          | children[0]: process 'a': environment.SUPERVISION_X: names starting with SUPERVISION_ are reserved for the process tag
            {children: [{id: a, command: [x]}], children: []}                     | tree.yaml:1:37: not valid YAML or JSON: found duplicate key children
            'children: [{id: a, command: [x]'                                    | tree.yaml:1:32: not valid YAML or JSON:
            """)
    void rejects(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }
}
