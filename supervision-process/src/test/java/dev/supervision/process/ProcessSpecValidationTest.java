package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.probe.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessSpecValidationTest {

    @Test
    void defaultsAreSupervisordAndKubernetesLike() {
        ProcessSpec s = ProcessSpec.builder("vllm").command("vllm", "serve", "model").build();
        assertThat(s.argv()).containsExactly("vllm", "serve", "model");
        assertThat(s.startSeconds()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.stopSignal()).isEqualTo(StopSignal.TERM);
        assertThat(s.stopTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.normalExitCodes()).containsExactly(0);
        assertThat(s.inheritEnvironment()).isTrue();
        assertThat(s.readiness()).isEmpty();
    }

    @Test
    void shellCommandRunsThroughSh() {
        ProcessSpec s = ProcessSpec.builder("job").shellCommand("train.py | tee log").build();
        assertThat(s.argv()).containsExactly("/bin/sh", "-c", "train.py | tee log");
    }

    @Test
    void emptyCommandIsRejectedNamingTheField() {
        assertThatThrownBy(() -> ProcessSpec.builder("x").build())
                .hasMessage("process 'x': command: must not be empty, was []");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command(" ").build())
                .hasMessageContaining("command: must not be empty");
    }

    @Test
    void badIdIsRejected() {
        assertThatThrownBy(() -> ProcessSpec.builder("has space").command("true").build())
                .hasMessage("id: expected letters, digits, '.', '_' or '-', was 'has space'");
    }

    @Test
    void reservedTagVariablesCannotBeSet() {
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").env("SUPERVISION_CHILD", "y").build())
                .hasMessageContaining("environment.SUPERVISION_CHILD: names starting with SUPERVISION_ are reserved");
    }

    @Test
    void nonPositiveDurationsAreRejected() {
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").stopTimeout(Duration.ZERO).build())
                .hasMessage("process 'x': stopTimeout: expected > 0, was PT0S");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").startSeconds(Duration.ofSeconds(-1)).build())
                .hasMessage("process 'x': startSeconds: expected >= 0, was PT-1S");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").startSeconds(Duration.ofMinutes(10)).build())
                .hasMessageContaining("startSeconds: expected less than startTimeout (PT5M), was PT10M");
    }

    @Test
    void durationsOverAHundredYearsAreRejectedWhereverTheyAreSet() {
        // Timers count in nanoseconds: 300 years would overflow them at run time, and the stop would do nothing.
        Duration tooLong = Duration.ofDays(365L * 300);
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").stopTimeout(tooLong).build())
                .hasMessage("process 'x': stopTimeout: expected at most 100 years (PT876600H), was PT2628000H");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").maxAge(tooLong).build())
                .hasMessageStartingWith("process 'x': maxAge: expected at most 100 years");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").heartbeat(Path.of("hb"), tooLong).build())
                .hasMessageStartingWith("heartbeat.maxAge: expected at most 100 years");
        assertThatThrownBy(() -> Probe.Liveness.of(Probe.tcp("localhost", 80)).withInterval(tooLong))
                .hasMessageStartingWith("liveness.interval: expected at most 100 years");
        assertThatThrownBy(() -> GuardSpec.builder().interval(tooLong).build())
                .hasMessageStartingWith("guards.interval: expected at most 100 years");
        assertThat(ProcessSpec.builder("x").command("true").stopTimeout(Duration.ofDays(36_525)).build().stopTimeout())
                .isEqualTo(Duration.ofDays(36_525));
    }

    @Test
    void exitCodeSetsMustBeInRangeAndDisjoint() {
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").fatalExitCodes(256).build())
                .hasMessage("process 'x': fatalExitCodes: expected codes 0..255, was 256");
        assertThatThrownBy(() -> ProcessSpec.builder("x").command("true").restartNowCodes(42).fatalExitCodes(42, 3).build())
                .hasMessage("process 'x': restartNowCodes and fatalExitCodes must not overlap, both contain [42]");
    }

    @Test
    void probesValidateTheirSettings() {
        assertThatThrownBy(() -> Probe.tcp("localhost", 0)).hasMessage("probe.tcp.port: expected 1..65535, was 0");
        assertThatThrownBy(() -> Probe.http("ftp://x/")).hasMessage("probe.http.uri: expected an http:// or https:// URL, was 'ftp://x/'");
        assertThatThrownBy(() -> Probe.http("http://127.0.0.1:99999/health"))
                .hasMessage("probe.http.uri: expected a port in 1..65535, was 99999 in 'http://127.0.0.1:99999/health'");
        assertThatThrownBy(() -> Probe.http("http://127.0.0.1:0/health")).hasMessageContaining("expected a port in 1..65535, was 0");
        assertThatThrownBy(() -> Probe.http("http://127.0.0.1:99999999999/health")).hasMessageContaining("with a host and a port in 1..65535");
        assertThatThrownBy(() -> Probe.http("http://a b/")).hasMessageStartingWith("probe.http.uri: expected a URL like");
        assertThat(Probe.http("https://llm.internal/health").uri().getPort()).isEqualTo(-1);
        assertThatThrownBy(() -> Probe.Liveness.of(Probe.logLine("ok")))
                .hasMessage("liveness.probe: a log-line probe can only be a readiness probe");
        assertThatThrownBy(() -> Probe.Liveness.of(Probe.tcp("localhost", 80)).withFailureThreshold(0))
                .hasMessage("liveness.failureThreshold: expected >= 1, was 0");
        assertThatThrownBy(() -> new Probe.Command(List.of()))
                .hasMessage("probe.command: expected a non-empty argv, was []");
    }

    @Test
    void toBuilderKeepsEveryValue() {
        ProcessSpec s = ProcessSpec.builder("x").command("a", "b").env("K", "V").inheritEnvironment(false)
                .workingDirectory(Path.of("/tmp")).readiness(Probe.tcp("localhost", 8000)).stopSignal(StopSignal.INT)
                .restartNowCodes(42).fatalExitCodes(78).heartbeat(Path.of("/tmp/hb"), Duration.ofSeconds(30)).build();
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }
}
