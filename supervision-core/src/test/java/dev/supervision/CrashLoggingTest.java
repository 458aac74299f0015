package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What an operator reads: each failure is logged once, an in-JVM crash with its stack trace (OTP's crash report
 * carries the stacktrace). Runs {@link CrashLoggingMain} in a JVM of its own and reads what slf4j-simple prints.
 */
class CrashLoggingTest {
    private static List<String> run(String scenario) throws IOException, InterruptedException {
        Process p = ChildJvm.start(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info"), CrashLoggingMain.class, scenario);
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).as(out).contains("done");
            return out.lines().toList();
        } finally {
            p.destroyForcibly();
        }
    }

    private static List<String> logLines(List<String> out) {
        return out.stream().filter(l -> l.startsWith("[")).toList();
    }

    @Test
    void anInJvmWorkersCrashIsLoggedOnceWithItsStackTrace() throws Exception {
        List<String> out = run("worker-crash");
        assertThat(logLines(out).stream().filter(l -> l.contains("bad input at row 7")).toList()).as(String.join("\n", out))
                .singleElement().satisfies(l -> assertThat(l).contains("ERROR").contains("'parser'"));
        assertThat(out).as("the stack trace follows the line").anySatisfy(l -> assertThat(l)
                .startsWith("\tat dev.supervision.CrashLoggingMain.failParsing(CrashLoggingMain.java:"));
    }

    @Test
    void aTreeThatCannotStartLogsTheFailedStartOnce() throws Exception {
        List<String> out = run("start-fails");
        assertThat(out).contains("caught start_failed");
        assertThat(logLines(out)).as(String.join("\n", out)).singleElement()
                .satisfies(l -> assertThat(l).contains("ERROR").contains("'db'").contains("connection refused: db:5432"));
        assertThat(out.stream().filter(l -> l.startsWith("java.io.IOException: connection refused")).count())
                .as("one stack trace").isEqualTo(1);
    }
}
