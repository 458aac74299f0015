package dev.supervision;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a test main class in a JVM of its own, with this test JVM's class and module path. */
final class ChildJvm {
    private ChildJvm() {}

    /** A started JVM running {@code main} with {@code args}; {@code options} go before the class path (e.g. -D...). */
    static Process start(List<String> options, Class<?> main, String... args) throws java.io.IOException {
        List<String> cp = new ArrayList<>();
        for (String key : new String[] {"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(key);
            if (v != null && !v.isBlank()) cp.add(v);
        }
        cp.add(Path.of("target", "test-classes").toAbsolutePath().toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(options);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, cp), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
