package dev.supervision.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.GiveUp;
import dev.supervision.Restart;
import dev.supervision.Shutdown;
import dev.supervision.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The tree file's schema, without starting anything. */
class TreeConfigTest {
    private static final Path STATE = Path.of("/tmp/state");

    private static Plan parse(String yaml) {
        return TreeConfig.parse(yaml, "tree.yaml", Optional.empty(), STATE);
    }

    @Test
    void readsEveryKey() {
        Plan plan = parse("""
                name: llm
                strategy: rest-for-one
                intensity: 4
                period: 2m
                autoShutdown: any_significant
                giveUp: {circuitBreaker: {coolDown: 1m, stableFor: 5m}}
                children:
                  - id: server
                    command: [vllm, serve, model, --port, 8000]
                    env: {CUDA_VISIBLE_DEVICES: 0}
                    inheritEnv: false
                    cwd: /srv
                    readiness: {http: "http://127.0.0.1:8000/health", bodyMatches: ok, interval: 1s, timeout: 3s}
                    liveness: {tcp: "127.0.0.1:8000", initialDelay: 30s, interval: 5s, timeout: 2s, failureThreshold: 5}
                    startSeconds: 0
                    startTimeout: 10m
                    stopSignal: int
                    stopTimeout: 30s
                    backoff: {initial: 1s, cap: 1m, jitter: 0.1, resetAfter: 10m}
                    restart: transient
                    significant: true
                    normalExitCodes: [0, 143]
                    restartNowCodes: [42]
                    fatalExitCodes: [78]
                    silenceTimeout: 5m
                    heartbeat: {file: /srv/heartbeat, maxAge: 2m}
                    maxAge: 1d
                    output: {stdout: [passthrough, {file: /tmp/out.log, maxSize: 10MiB, keep: 2}], stderr: logger,
                             maxLineLength: 16KiB, tailLines: 500}
                    stateDirectory: /var/lib/llm
                  - id: probe-kinds
                    shell: "exec sleep 1000"
                    readiness: {logLine: "listening on \\\\d+"}
                    liveness: {command: [true]}
                  - id: file-probe
                    command: [sleep, 1000]
                    readiness: {file: /tmp/ready}
                    backoff: none
                    output: {sinks: [discard]}
                  - type: supervisor
                    name: trainers
                    strategy: one_for_all
                    restart: transient
                    children:
                      - {id: trainer, command: [python, train.py], backoff: 5s}
                """);
        assertThat(plan.root().name()).isEqualTo("llm");
        assertThat(plan.root().strategy()).isEqualTo(Strategy.REST_FOR_ONE);
        assertThat(plan.root().intensity()).isEqualTo(4);
        assertThat(plan.root().period()).isEqualTo(Duration.ofMinutes(2));
        assertThat(plan.root().giveUp()).isEqualTo(GiveUp.circuitBreaker(Duration.ofMinutes(1), Duration.ofMinutes(5)));
        assertThat(plan.root().children()).isEmpty();
        assertThat(plan.children()).extracting(ChildSpec::id).containsExactly("server", "probe-kinds", "file-probe", "trainers");
        ChildSpec server = plan.children().get(0);
        assertThat(server.restart()).isEqualTo(Restart.TRANSIENT);
        assertThat(server.significant()).isTrue();
        assertThat(server.backoff()).isEqualTo(new Backoff.Exponential(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.1, Duration.ofMinutes(10)));
        assertThat(server.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofSeconds(35)));
        assertThat(server.startTimeout()).hasValue(Duration.ofMinutes(10));
        assertThat(plan.children().get(2).backoff()).isEqualTo(Backoff.none());
        ChildSpec trainers = plan.children().get(3);
        assertThat(trainers.type()).isEqualTo(ChildType.SUPERVISOR);
        assertThat(trainers.restart()).isEqualTo(Restart.TRANSIENT);
    }

    @Test
    void readsTheGuardAndCrashIntelligenceKeys() {
        Plan plan = parse("""
                children:
                  - id: llm
                    command: [vllm, serve, m, --gpu-memory-utilization, "0.9"]
                    guards: {memoryLimit: 48GiB, gpuMemoryLimit: 70GiB, interval: 2s, gpuReleaseTimeout: 90s, nvidiaSmi: /usr/bin/nvidia-smi}
                    hostMemoryFloor: {fraction: 0.06, interval: 1s, coolDown: 30s, minRecovered: 512MiB, maxUselessBrakes: 3}
                    preflight:
                      diskFree: [{path: /var/log, bytes: 1GiB}]
                      memoryAvailable: 8GiB
                      gpuPresent: false
                      fileExists: [/models/m/config.json]
                      portFree: [8000]
                    advisor:
                      stepDown: {flag: --gpu-memory-utilization, step: 0.05, floor: 0.6, kinds: [GPU_OOM]}
                    signatures: builtIn
                    crashHistory: true
                  - id: trainer
                    command: [python, train.py]
                    hostMemoryFloor: {bytes: 2GiB}
                    advisor:
                      resumeFromCheckpoint: {dir: /work/out, flag: --resume-from-checkpoint}
                    signatures: none
                    crashHistory: false
                """);
        assertThat(plan.children()).extracting(ChildSpec::id).containsExactly("llm", "trainer");
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
        Plan plan = TreeConfig.parse("name: a\nchildren: [{id: x, command: [true]}]", "t", Optional.of("b"), STATE);
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
