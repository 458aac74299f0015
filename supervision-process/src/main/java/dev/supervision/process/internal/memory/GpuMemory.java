package dev.supervision.process.internal.memory;

import dev.supervision.Human;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * GPU memory used per process on NVIDIA GPUs, read with
 * {@code nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits} (MiB per process
 * and GPU; a process on several GPUs is summed). Thread-safe; {@link #read()} blocks the calling thread
 * while {@code nvidia-smi} runs (typically 20–100 ms), at most the configured timeout.
 *
 * <p>Never throws for a missing or failing {@code nvidia-smi}: without the executable (no NVIDIA GPU, a Mac)
 * every read answers {@link Reading.Unavailable} with {@code permanent = true} and the reporter is told
 * once for the life of this object; a failure (non-zero exit, timeout, unparsable output: a wedged driver)
 * answers {@code permanent = false} and is reported once until a read succeeds again.
 *
 * <p>Known limit: inside a container without the host's pid namespace, {@code nvidia-smi} lists pids of the
 * host namespace (or none), which match no supervised pid; a GPU limit then never trips.
 */
public final class GpuMemory {
    private final Optional<Path> executable;
    private final Duration timeout;
    private final Consumer<String> reporter;
    private final AtomicBoolean reportedUnsupported = new AtomicBoolean();
    private final AtomicBoolean reportedFailure = new AtomicBoolean();

    /** A reading of GPU memory per process. */
    public sealed interface Reading {
        /** The processes that hold GPU memory, pid to bytes. */
        record Apps(Map<Long, Long> bytesByPid) implements Reading {
            public Apps {
                bytesByPid = Map.copyOf(bytesByPid);
            }

            /** The bytes held by these pids together. */
            public long sum(Collection<Long> pids) {
                long sum = 0;
                for (long pid : pids) {
                    sum += bytesByPid.getOrDefault(pid, 0L);
                }
                return sum;
            }
        }

        /** No reading: {@code permanent} when there is no {@code nvidia-smi} at all. */
        record Unavailable(String why, boolean permanent) implements Reading {}
    }

    /**
     * @param executable the {@code nvidia-smi} to run, or empty when there is none
     * @param timeout    how long one run may take before it is killed and counts as a failure
     * @param reporter   told, once, that the guard is unsupported or failing (e.g. a logger's warn)
     */
    public GpuMemory(Optional<Path> executable, Duration timeout, Consumer<String> reporter) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
    }

    /** Whether there is an {@code nvidia-smi} to ask (it may still fail). */
    public boolean present() {
        return executable.isPresent();
    }

    /** {@code nvidia-smi} found on {@code PATH} (or none), with a 10 s timeout. */
    public static GpuMemory onPath(Consumer<String> reporter) {
        return new GpuMemory(findOnPath("nvidia-smi", System.getenv("PATH")), Duration.ofSeconds(10), reporter);
    }

    /** The first executable file named {@code name} in a {@code PATH}-style list. */
    static Optional<Path> findOnPath(String name, String path) {
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** The GPU memory of every compute process now. */
    public Reading read() {
        if (executable.isEmpty() || !Files.isExecutable(executable.get())) {
            String why = "GPU memory guard unsupported: no nvidia-smi" + executable.map(p -> " at " + p).orElse(" on PATH");
            if (reportedUnsupported.compareAndSet(false, true)) {
                reporter.accept(why);
            }
            return new Reading.Unavailable(why, true);
        }
        Reading r = run(executable.get());
        if (r instanceof Reading.Unavailable u) {
            if (reportedFailure.compareAndSet(false, true)) {
                reporter.accept(u.why());
            }
        } else {
            reportedFailure.set(false);
        }
        return r;
    }

    private Reading run(Path exe) {
        Process p;
        try {
            p = new ProcessBuilder(exe.toString(), "--query-compute-apps=pid,used_memory",
                    "--format=csv,noheader,nounits").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return new Reading.Unavailable("nvidia-smi could not be started: " + e.getMessage(), false);
        }
        try {
            // One short line per GPU process: far below a pipe's capacity, so waiting before reading cannot block.
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Reading.Unavailable("nvidia-smi did not answer within " + Human.duration(timeout), false);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                return new Reading.Unavailable("nvidia-smi failed with exit code " + p.exitValue() + ": "
                        + out.strip(), false);
            }
            return parse(out);
        } catch (IOException e) {
            return new Reading.Unavailable("nvidia-smi output could not be read: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Reading.Unavailable("interrupted while waiting for nvidia-smi", false);
        }
    }

    /** Lines {@code "pid, MiB"}; a value such as {@code [N/A]} (no per-process accounting) skips the line. */
    static Reading parse(String csv) {
        Map<Long, Long> bytes = new HashMap<>();
        for (String line : csv.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            int comma = t.indexOf(',');
            if (comma < 0) {
                return new Reading.Unavailable("unexpected nvidia-smi output: " + t, false);
            }
            long pid;
            try {
                pid = Long.parseLong(t.substring(0, comma).strip());
            } catch (NumberFormatException e) {
                return new Reading.Unavailable("unexpected nvidia-smi output: " + t, false);
            }
            try {
                bytes.merge(pid, Long.parseLong(t.substring(comma + 1).strip()) << 20, Long::sum);
            } catch (NumberFormatException e) {
                bytes.putIfAbsent(pid, 0L);
            }
        }
        return new Reading.Apps(bytes);
    }
}
