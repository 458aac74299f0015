package dev.supervision.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a demo's {@code main} in a JVM of its own, as its README command does, for the end-to-end demo tests. */
public final class DemoJvm {
    private DemoJvm() {}

    /**
     * Runs {@code main} with {@code args} on this test's class path, stdout and stderr to a file in
     * {@code dir}; fails if it does not end within {@code timeoutSeconds} (it is killed then) or exits
     * other than 0.
     *
     * @return everything it printed
     */
    public static String run(Path dir, Class<?> main, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Process demo = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!demo.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            demo.destroyForcibly();
            throw new AssertionError("the demo did not end: " + Files.readString(out));
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(demo.exitValue()).as(text).isZero();
        return text;
    }
}
