package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's commands against a real running tree, through the real launcher: status (text, JSON, details),
 * restart / stop / start of a child, logs (and -f), events (and --json), crashes, check, completion.
 */
class OperatorCommandsTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    private record Done(int exit, String out, String err) {}

    /** Runs {@code supervise args} to its end. */
    private Done run(String... args) throws Exception {
        try (Cli c = Cli.start(dir, Map.of(), args)) {
            await().atMost(EXIT).until(() -> !c.process.isAlive());
            return new Done(c.process.exitValue(), c.stdout(), c.stderr());
        }
    }

    private long pidOf(String child) throws Exception {
        Done status = run("status", "--tree", "ops");
        Matcher m = Pattern.compile("(?m)^" + child + "\\s+RUNNING\\s+(\\d+)").matcher(status.out());
        assertThat(m.find()).as(status.out() + status.err()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void anOperatorActsOnARunningTree() throws Exception {
        Files.writeString(dir.resolve("tree.yaml"), """
                name: ops
                intensity: 10
                children:
                  - id: talker
                    shell: "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"
                    startSeconds: 100ms
                    backoff: none
                    output: {sinks: [discard]}
                  - id: quiet
                    command: [sleep, "1000"]
                    startSeconds: 100ms
                    backoff: none
                """);
        assertThat(run("check", dir.resolve("tree.yaml").toString()))
                .satisfies(d -> assertThat(d.exit()).isZero())
                .satisfies(d -> assertThat(d.out()).contains("valid, tree 'ops' with 2 process child(ren)"));
        try (Cli tree = Cli.start(dir, Map.of(), "--config", dir.resolve("tree.yaml").toString())) {
            await().atMost(EXIT).until(() -> Files.exists(tree.stateDir.resolve("ops/status.port")));
            await().atMost(EXIT).untilAsserted(() -> assertThat(run("logs", "talker").out()).contains("line 3"));

            // logs: the last lines; -f goes on printing new ones
            Done logs = run("logs", "talker", "-n", "2");
            assertThat(logs.out().lines()).hasSize(2).allMatch(l -> l.startsWith("line "));
            assertThat(logs.err()).isEqualTo("(besides here, stdout and stderr: discarded)\n");
            try (Cli follow = Cli.start(dir, Map.of(), "logs", "-f", "talker", "-n", "1")) {
                int seen = Integer.parseInt(logs.out().lines().toList().get(1).substring("line ".length()));
                await().atMost(EXIT).untilAsserted(() -> assertThat(follow.stdout()).as(follow.stderr()).contains("line " + (seen + 5) + "\n"));
            }

            // restart, stop, start a child; each is an event
            long before = pidOf("quiet");
            Done restart = run("restart", "quiet");
            assertThat(restart.exit()).as(restart.err()).isZero();
            assertThat(restart.out()).isEqualTo("quiet: restarted (tree ops)\n");
            assertThat(pidOf("quiet")).isNotEqualTo(before);
            assertThat(Cli.running(before)).isFalse();
            assertThat(run("stop", "quiet").exit()).isZero();
            assertThat(run("status", "--tree", "ops").out()).containsPattern("(?m)^quiet\\s+STOPPED");
            Done again = run("stop", "nosuch");
            assertThat(again.exit()).isEqualTo(Ctl.FAILED);
            assertThat(again.err()).contains("supervise stop: cannot stop 'nosuch': no child 'nosuch' in supervisor 'ops'");
            assertThat(run("start", "quiet").exit()).isZero();
            assertThat(pidOf("quiet")).isPositive();

            Done events = run("events", "-n", "1000");
            assertThat(events.out()).contains("quiet: stopped", "quiet: started", "talker: launched pid");
            assertThat(tree.stderr()).contains("quiet: restarted by an operator", "quiet: stopped by an operator");
            Done json = run("events", "--json", "-n", "3");
            assertThat(json.out().lines()).hasSize(3).allMatch(l -> l.startsWith("{\"time\":\"") && l.contains("\"text\":"));

            // a crash: counted in the crash history, its report in full
            ProcessHandle.of(pidOf("quiet")).orElseThrow().destroyForcibly();
            await().atMost(EXIT).untilAsserted(() -> assertThat(run("crashes", "quiet").out())
                    .contains("tree ops: 1 crash(es) of quiet", "quiet KILLED: 1", "Crash of 'quiet' in tree 'ops'"));
            assertThat(run("status", "--details", "--tree", "ops").out()).contains("quiet: last crash", "Kind: KILLED");

            // status --json is the endpoint's document
            Done statusJson = run("status", "--json");
            assertThat(statusJson.out()).startsWith("{\"name\":\"ops\"").contains("\"children\":[");

            // GET on a control call is refused, no token is refused
            assertThat(run("completion").out()).contains("complete -F", "supervise");
        }
    }

    @Test
    void commandsFindTheRunningTreeOrAskWhichOne() throws Exception {
        Done none = run("restart", "x");
        assertThat(none.exit()).isEqualTo(Ctl.FAILED);
        assertThat(none.err()).contains("supervise restart: no tree is running with state directory");
        try (Cli a = Cli.start(dir, Map.of(), "--tree", "one", "--", "sleep", "1000");
             Cli b = Cli.start(dir, Map.of(), "--tree", "two", "--", "sleep", "1000")) {
            await().atMost(EXIT).until(() -> Files.exists(a.stateDir.resolve("one/status.port"))
                    && Files.exists(b.stateDir.resolve("two/status.port")));
            await().atMost(EXIT).untilAsserted(() -> assertThat(run("status").out()).contains("tree one", "tree two"));
            Done which = run("restart", "sleep");
            assertThat(which.exit()).isEqualTo(Ctl.FAILED);
            assertThat(which.err()).contains("several trees are running (one, two); name one with --tree");
            assertThat(run("restart", "--tree", "two", "sleep").exit()).isZero();
        }
    }

    @Test
    void checkNamesTheFirstMistakeAndHelpListsTheCommands() throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), "children: [{id: a, comand: [x]}]\n");
        Done bad = run("check", dir.resolve("bad.yaml").toString());
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).isEqualTo("supervise: children[0].comand: unknown key (did you mean command?)\n");
        Done help = run("--help");
        assertThat(help.out()).contains("status", "restart", "logs", "events", "crashes", "check", "completion");
        Done version = run("--version");
        assertThat(version.out()).startsWith("supervise ");
        Done missing = run("logs");
        assertThat(missing.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).isEqualTo("supervise: logs: CHILD is required (see supervise logs --help)\n");
        Done unknown = run("logs", "x", "--bogus");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).isEqualTo("supervise: --bogus: unknown option (see supervise logs --help)\n");
    }
}
