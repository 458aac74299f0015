package dev.supervision.process.testing;

import static org.awaitility.Awaitility.await;

import dev.supervision.process.internal.ProcessTimers;
import dev.supervision.process.internal.tree.ProcessRef;
import dev.supervision.process.internal.tree.ProcessScan;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.internal.tree.Signal;
import dev.supervision.process.internal.tree.StopResult;
import dev.supervision.process.internal.tree.TreeStopper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** Helpers for tests with real processes: scripts, tagged launches, tree names of this test JVM. */
public final class TestProcesses {
    /** Every tree name a test uses starts with this, so the leftover check finds processes of child JVMs too. */
    public static final String TREE_PREFIX = "test-" + ProcessTag.currentRun() + "-";

    private TestProcesses() {}

    public static String tree(String name) {
        return TREE_PREFIX + name;
    }

    /** Writes {@code body} as an executable bash script {@code name} in {@code dir}. */
    public static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    public static Process launch(ProcessTag tag, Path script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        return tag.applyTo(new ProcessBuilder(command))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /**
     * Stops the tree of {@code p} (known by its pid and its start time now; none if it is gone) and every
     * process carrying exactly {@code tag}.
     */
    public static CompletableFuture<StopResult> stopTree(TreeStopper stopper, Process p, Signal signal, Duration timeout, ProcessTag tag) {
        return stopper.stop(ProcessScan.ref(p.pid()).map(List::of).orElse(List.of()), tag::equals, signal, timeout);
    }

    /** How many tasks the process module's timer thread holds (a run's timers are cancelled when it ends). */
    public static int pendingTimers() throws ReflectiveOperationException {
        Field timer = ProcessTimers.class.getDeclaredField("TIMER");
        timer.setAccessible(true);
        return ((ScheduledThreadPoolExecutor) timer.get(null)).getQueue().size();
    }

    public static void awaitFile(Path file) {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
    }

    /** Everything this JVM runs with, for a separate test JVM; surefire puts the modules on the module path. */
    public static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes.isEmpty() ? modules : modules + java.io.File.pathSeparator + classes;
    }

    /** Every live process tagged with this tree, by the tag scan. */
    public static List<ProcessRef> tagged(String tree) {
        return ProcessScan.scan(t -> t.tree().equals(tree)).stream().map(ProcessScan.TaggedProcess::process).toList();
    }
}
