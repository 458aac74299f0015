package dev.supervision.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the real launcher {@code bin/supervise} as a separate process, with its state directory in a
 * test directory, stdout and stderr to files there. {@link #close} kills whatever is left of its
 * process tree.
 */
final class Cli implements AutoCloseable {
    static final Path LAUNCHER = Path.of("bin", "supervise").toAbsolutePath();

    final Process process;
    final Path stateDir;
    private final Path out;
    private final Path err;

    private Cli(Process process, Path stateDir, Path out, Path err) {
        this.process = process;
        this.stateDir = stateDir;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code bin/supervise args} in {@code dir} with {@code env} added to this JVM's environment. */
    static Cli start(Path dir, Map<String, String> env, String... args) throws IOException {
        return start(false, dir, env, args);
    }

    /**
     * Starts {@code bin/supervise args} as the leader of a process group of its own ({@code setsid}), as a
     * terminal runs a foreground job: a signal to the group reaches the CLI and its children together.
     */
    static Cli startAsForegroundJob(Path dir, Map<String, String> env, String... args) throws IOException {
        return start(true, dir, env, args);
    }

    private static Cli start(boolean ownGroup, Path dir, Map<String, String> env, String... args) throws IOException {
        List<String> argv = new ArrayList<>();
        if (ownGroup) argv.add("setsid");
        argv.add(LAUNCHER.toString());
        argv.addAll(List.of(args));
        Path stateDir = dir.resolve("state");
        Path out = Files.createTempFile(dir, "cli", ".out");
        Path err = Files.createTempFile(dir, "cli", ".err");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("SUPERVISE_") || k.startsWith("PROCESS_") || k.equals("LOG_LEVEL"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));   // the launcher then looks no further
        pb.environment().put("SUPERVISE_STATE_DIR", stateDir.toString());
        pb.environment().putAll(env);
        return new Cli(pb.start(), stateDir, out, err);
    }

    String stdout() throws IOException { return Files.readString(out); }

    String stderr() throws IOException { return Files.readString(err); }

    /** Whether {@code pid} runs (a zombie waiting for init to reap it has ended). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
    }
}
