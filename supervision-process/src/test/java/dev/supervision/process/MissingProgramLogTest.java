package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.supervision.process.testing.TestProcesses;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program that does not exist is logged once: one ERROR line naming the program and why, no stack trace (the
 * message says all), not the three lines of a failed start, a failed supervisor start and its termination. Runs
 * in a JVM of its own with slf4j-simple at INFO, with each launcher (their messages differ).
 */
class MissingProgramLogTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"auto", "jdk"})
    void aMissingProgramIsLoggedOnceWithoutAStackTrace(String launcher) throws Exception {
        Path program = dir.resolve("no-such-server");
        Process jvm = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dsupervision.process.launcher=" + launcher,
                "--enable-native-access=ALL-UNNAMED", "-cp", TestProcesses.classPath(), MissingProgramMain.class.getName(),
                TestProcesses.tree("missing"), program.toString(), dir.resolve("state").toString())
                .redirectErrorStream(true).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).contains("caught start_failed CannotExecute");
        assertThat(lines.stream().filter(l -> l.contains(program.toString())).toList()).as(out).singleElement()
                .satisfies(l -> assertThat(l).contains("ERROR").contains("No such file or directory").contains("not retried"));
        assertThat(lines).as(out).noneMatch(l -> l.startsWith("\tat "));
    }
}
