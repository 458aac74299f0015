package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.supervision.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private static CommandLine parse(Map<String, String> env, String... args) {
        return CommandLine.parse(List.of(args), env);
    }

    @Test
    void commandLineWinsOverSuperviseVariablesWhichWinOverTheSeedsVariables() {
        CommandLine.Wrap w = parse(Map.of("SUPERVISE_MAX_START_RETRIES", "4", "PROCESS_MAX_START_RETRIES", "9",
                "PROCESS_AUTO_RECOVERY", "false", "LOG_LEVEL", "critical"), "--", "vllm", "serve").wrap().orElseThrow();
        assertThat(w.maxStartRetries()).isEqualTo(4);
        assertThat(w.autoRecovery()).isFalse();
        assertThat(parse(Map.of("SUPERVISE_MAX_START_RETRIES", "4"), "--max-start-retries=1", "x").wrap().orElseThrow().maxStartRetries())
                .isEqualTo(1);
        assertThat(parse(Map.of("LOG_LEVEL", "critical"), "x").common().logLevel()).isEqualTo("error");
    }

    @Test
    void defaults() {
        CommandLine cl = parse(Map.of(), "sleep", "1");
        CommandLine.Wrap w = cl.wrap().orElseThrow();
        assertThat(w.command()).containsExactly("sleep", "1");
        assertThat(w.autoRecovery()).isTrue();
        assertThat(w.maxStartRetries()).isEqualTo(3);
        assertThat(w.retryWindow()).isEqualTo(Duration.ofMinutes(30));
        assertThat(w.stopTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(w.backoff()).isEqualTo(Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30)).withJitter(0.2));
        assertThat(w.memoryLimit()).isEmpty();
        assertThat(cl.common().tree()).isEqualTo("supervise");
        assertThat(cl.common().statusPort()).hasValue(0);
    }

    @Test
    void parsesBackoffsDurationsAndSizes() {
        assertThat(Values.backoff("b", "none")).isEqualTo(Backoff.none());
        assertThat(Values.backoff("b", "5s")).isEqualTo(Backoff.fixed(Duration.ofSeconds(5)));
        assertThat(Values.backoff("b", "1s..2m")).isEqualTo(Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(2)).withJitter(0.2));
        assertThat(Values.duration("d", "1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Values.duration("d", "30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Values.bytes("m", "8GiB")).isEqualTo(8L << 30);
        assertThat(Values.bytes("m", "2GB")).isEqualTo(2_000_000_000L);
        assertThat(parse(Map.of(), "--memory-limit", "512MiB", "x").wrap().orElseThrow().memoryLimit()).hasValue(512L << 20);
        assertThatThrownBy(() -> Values.backoff("--backoff", "30s..1s"))
                .hasMessage("--backoff: expected none, a fixed delay like 5s or a range like 1s..30s, was '30s..1s'"
                        + " (backoff cap must be >= initial, was cap=PT1S initial=PT30S)");
    }

    @Test
    void rejectsWrappedCommandOptionsWithAConfigFileButIgnoresTheirVariables() {
        assertThatThrownBy(() -> parse(Map.of(), "--config", "t.yaml", "--backoff", "none"))
                .hasMessage("--backoff: applies to a wrapped command (supervise [options] -- command), not to --config; set it in the tree file");
        assertThat(parse(Map.of("PROCESS_MAX_START_RETRIES", "3"), "--config", "t.yaml").mode()).isEqualTo(CommandLine.Mode.CONFIG);
        assertThatThrownBy(() -> parse(Map.of(), "--config", "t.yaml", "sleep")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> parse(Map.of())).hasMessageStartingWith("missing command");
        assertThatThrownBy(() -> parse(Map.of(), "--bogus", "1", "x")).hasMessage("--bogus: unknown option (see supervise --help)");
        assertThatThrownBy(() -> parse(Map.of(), "--tree", "a/b", "x"))
                .hasMessage("--tree: expected 1 to 64 letters, digits, '-' or '_', was 'a/b'");
        assertThatThrownBy(() -> parse(Map.of(), "--readiness-url", "http://127.0.0.1:99999/health", "x"))
                .hasMessage("--readiness-url: expected a port in 1..65535, was 99999 in 'http://127.0.0.1:99999/health'");
        assertThatThrownBy(() -> parse(Map.of("SUPERVISE_LIVENESS_URL", "http:///health"), "x"))
                .hasMessageStartingWith("SUPERVISE_LIVENESS_URL: expected a URL with a host");
    }

    @Test
    void statusPrintsUptimesInTwoUnits() {
        assertThat(StatusCommand.uptime(42)).isEqualTo("42s");
        assertThat(StatusCommand.uptime(185)).isEqualTo("3m05s");
        assertThat(StatusCommand.uptime(7620)).isEqualTo("2h07m");
        assertThat(StatusCommand.uptime(273600)).isEqualTo("3d04h");
    }

    @Test
    void childIdIsTheProgramsFileName() {
        assertThat(Plan.childId("/usr/bin/vllm")).isEqualTo("vllm");
        assertThat(Plan.childId("./run.sh")).isEqualTo("run_sh");
        assertThat(Plan.childId("...")).isEqualTo("command");
    }
}
