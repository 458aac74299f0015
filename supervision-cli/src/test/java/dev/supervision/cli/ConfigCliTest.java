package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code supervise --config}: a valid tree starts; an invalid file exits 2, names the problem, starts nothing. */
class ConfigCliTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static int exitOf(Cli cli) {
        await().atMost(EXIT).until(() -> !cli.process.isAlive());
        return cli.process.exitValue();
    }

    @Test
    void startsATreeFromYaml() throws Exception {
        Files.writeString(dir.resolve("tree.yaml"), """
                name: llm
                strategy: one_for_one
                intensity: 3
                period: 1m
                children:
                  - id: server
                    command: [sleep, "1000"]
                    startSeconds: 200ms
                    stopTimeout: 2s
                    backoff: 1s..30s
                    output: {sinks: [discard], tailLines: 50}
                  - type: supervisor
                    name: workers
                    strategy: rest_for_one
                    giveUp: {circuitBreaker: {coolDown: 1m, stableFor: 5m}}
                    children:
                      - id: worker
                        shell: "touch started; exec sleep 1000"
                        cwd: %s
                        readiness: {file: %s, interval: 50ms}
                        restart: transient
                        fatalExitCodes: [78]
                """.formatted(dir, dir.resolve("started")));
        try (Cli cli = Cli.start(dir, Map.of(), "--config", dir.resolve("tree.yaml").toString())) {
            await().atMost(EXIT).until(() -> Files.exists(cli.stateDir.resolve("llm/status.port")));
            await().atMost(EXIT).untilAsserted(() -> {
                try (Cli status = Cli.start(dir, Map.of(), "status", "--tree", "llm")) {
                    assertThat(exitOf(status)).as(status.stderr()).isZero();
                    assertThat(status.stdout()).containsPattern("server\\s+RUNNING\\s+\\d+")
                            .containsPattern("workers\\s+RUNNING").containsPattern("workers/worker\\s+RUNNING\\s+\\d+");
                }
            });
            cli.process.destroy();
            assertThat(exitOf(cli)).as(cli.stderr()).isZero();
        }
    }

    @Test
    void startsATreeFromJson() throws Exception {
        Files.writeString(dir.resolve("tree.json"), """
                {"name": "json-tree", "children": [{"id": "a", "command": ["sleep", "1000"], "startSeconds": "100ms"}]}
                """);
        try (Cli cli = Cli.start(dir, Map.of(), "--config", dir.resolve("tree.json").toString())) {
            await().atMost(EXIT).until(() -> Files.exists(cli.stateDir.resolve("json-tree/status.port")));
            cli.process.destroy();
            assertThat(exitOf(cli)).as(cli.stderr()).isZero();
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            children: [{id: a, command: []}]                                          | children[0].command: must not be empty
            children: [{id: a, command: [touch, started]}, {id: b, comand: [touch, started]}] | children[1].comand: unknown key (did you mean command?)
            children: [{id: a, command: [touch, started], stopTimeout: 10 parsecs}]   | children[0].stopTimeout: expected a duration like 500ms, 10s, 5m or 1h, was '10 parsecs'
            {strategy: one_for_none, children: [{id: a, command: [touch, started]}]}  | strategy: expected one of one_for_one, one_for_all, rest_for_one, was 'one_for_none'
            name: empty                                                               | children: required, a list of at least one child
            children: [{id: a, command: [touch, started]}, {id: a, command: [touch, started]}] | supervisor 'supervise': children[1].id: duplicate id 'a'
            children: [{id: a, command: [touch, started], readiness: {tcp: 'localhost:99999'}}] | children[0].readiness.tcp: expected an integer in 1..65535, was 99999
            children: [{id: a, command: touch started}]                                | children[0].command: expected a list (program and arguments); use shell: for a command line
            children: [{type: supervisor, name: sub, children: [{id: a, shell: 'touch started', restart: sometimes}]}] | children[0].children[0].restart: expected one of permanent, transient, temporary, was 'sometimes'
            """)
    void rejectsAnInvalidTreeWithExitCode2AndStartsNothing(String yaml, String message) throws Exception {
        Path file = dir.resolve("tree.yaml");
        Files.writeString(file, yaml + "\n");
        try (Cli cli = Cli.start(dir, Map.of(), "--config", file.toString())) {
            assertThat(exitOf(cli)).isEqualTo(ExitCodes.USAGE);
            assertThat(cli.stderr()).isEqualTo("supervise: " + message + "\n");
        }
        assertThat(dir.resolve("started")).doesNotExist();
    }
}
