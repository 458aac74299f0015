package dev.supervision.process.preflight;

import dev.supervision.Human;
import dev.supervision.process.internal.Durations;
import dev.supervision.process.internal.memory.HostMemory;
import dev.supervision.process.internal.tree.PortHolders;
import dev.supervision.process.internal.tree.ProcessTag;
import dev.supervision.process.internal.tree.StopResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A check run before each start of a process child, so that a start that cannot succeed fails at once with
 * a clear reason ({@link PreflightFailed}) instead of launching a process that crashes, again and again.
 * Each check is an immutable record made by a factory; {@link #builder()} combines several into one
 * {@link All}, which runs every check and reports every failure.
 *
 * {@snippet :
 * Preflight preflight = Preflight.builder()
 *         .fileExists(Path.of("/models/qwen2.5-7b/config.json"))
 *         .diskFree(Path.of("/var/log/vllm"), 1L << 30)        // 1 GiB
 *         .memoryAvailable(8L << 30)                              // 8 GiB
 *         .gpuPresent()
 *         .portFree(8000)
 *         .build();
 * preflight.check("llm-platform");   // throws PreflightFailed, or returns once all pass
 * }
 *
 * <p>A failed check is meant to fail the start it guards, not to count as a crash: the process was never
 * launched. The process child's restart policy then applies as for any failed start, with its backoff
 * ({@link ProcessSpec#DEFAULT_BACKOFF} unless set otherwise), so a check that keeps failing is retried at
 * growing intervals until the restart intensity gives up, never in a tight loop.
 *
 * <p>Threading: {@link #check} runs on the caller's thread and blocks for what it reads (a file system's
 * free space, {@code /proc}, up to {@link GpuPresent#timeout()} for {@code nvidia-smi}, and, when our own
 * orphan holds a port, up to {@link PortFree#orphanStopTimeout()} plus the SIGKILL rounds to stop it);
 * call it from a virtual thread. Without a GPU check or an orphan to stop, a check costs well under a
 * millisecond. Checks are thread-safe and keep no state between calls.
 */
public sealed interface Preflight {
    /**
     * Runs the check.
     *
     * @param tree the name of the tree the child belongs to ({@link PortFree} tells our orphans from
     *     strangers by it), not null
     * @throws PreflightFailed naming the check and saying why it failed, with the values involved
     */
    void check(String tree);

    /** A builder of a combined check; see {@link All}. */
    static Builder builder() {
        return new Builder();
    }

    /** All of the checks, in order; see {@link All}. */
    static Preflight all(Preflight... checks) {
        return new All(List.of(checks));
    }

    /** At least {@code bytes} usable on {@code path}'s file system; see {@link DiskFree}. */
    static Preflight diskFree(Path path, long bytes) {
        return new DiskFree(path, bytes);
    }

    /** At least {@code bytes} of memory available to new processes; see {@link MemoryAvailable}. */
    static Preflight memoryAvailable(long bytes) {
        return new MemoryAvailable(bytes);
    }

    /** An NVIDIA GPU is present: {@code nvidia-smi -L} from the PATH lists one within 10 s; see {@link GpuPresent}. */
    static Preflight gpuPresent() {
        return new GpuPresent("nvidia-smi", Duration.ofSeconds(10));
    }

    /** An NVIDIA GPU is present, asking the given {@code nvidia-smi} executable; see {@link GpuPresent}. */
    static Preflight gpuPresent(String executable, Duration timeout) {
        return new GpuPresent(executable, timeout);
    }

    /** A file or directory exists (a model's weights, a config); see {@link FileExists}. */
    static Preflight fileExists(Path path) {
        return new FileExists(path);
    }

    /** Nobody but our own orphans listens on a TCP port; orphans get 5 s to stop. See {@link PortFree}. */
    static Preflight portFree(int port) {
        return new PortFree(port, PortFree.DEFAULT_ORPHAN_STOP_TIMEOUT);
    }

    /**
     * Several checks run as one. {@link #check} runs each in order, even after one failed (they are cheap,
     * and an operator wants every problem at once): one failure is thrown as it is; several are thrown as
     * one {@link PreflightFailed} whose message lists them all and whose {@link PreflightFailed#failures()}
     * holds each. No checks: always passes.
     *
     * @param checks the checks, in order; copied
     */
    record All(List<Preflight> checks) implements Preflight {
        /** @throws NullPointerException if the list or a check is null */
        public All {
            checks = List.copyOf(checks);
        }

        @Override
        public void check(String tree) {
            Objects.requireNonNull(tree, "tree");
            List<PreflightFailed> failed = new ArrayList<>();
            for (Preflight c : checks) {
                try {
                    c.check(tree);
                } catch (PreflightFailed f) {
                    failed.addAll(f.failures());
                }
            }
            if (failed.size() == 1) {
                throw failed.getFirst();
            }
            if (!failed.isEmpty()) {
                throw new PreflightFailed(this, failed);
            }
        }

        @Override
        public String toString() {
            return checks.toString();
        }
    }

    /**
     * Collects checks for an {@link All}. Each method validates its arguments at once, as the factory of the
     * same name does. Not thread-safe; {@link #build()} copies, so a built check never changes.
     */
    final class Builder {
        private final List<Preflight> checks = new ArrayList<>();

        private Builder() {}

        /** Adds {@link Preflight#diskFree(Path, long)}. */
        public Builder diskFree(Path path, long bytes) {
            return add(Preflight.diskFree(path, bytes));
        }

        /** Adds {@link Preflight#memoryAvailable(long)}. */
        public Builder memoryAvailable(long bytes) {
            return add(Preflight.memoryAvailable(bytes));
        }

        /** Adds {@link Preflight#gpuPresent()}. */
        public Builder gpuPresent() {
            return add(Preflight.gpuPresent());
        }

        /** Adds {@link Preflight#fileExists(Path)}. */
        public Builder fileExists(Path path) {
            return add(Preflight.fileExists(path));
        }

        /** Adds {@link Preflight#portFree(int)}. */
        public Builder portFree(int port) {
            return add(Preflight.portFree(port));
        }

        /** Adds any check, e.g. one made with non-default settings. */
        public Builder add(Preflight check) {
            checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** An {@link All} of the checks added so far, in the order added. */
        public All build() {
            return new All(checks);
        }
    }

    /**
     * At least {@code bytes} usable (free to this user) on the file system of {@code path}, or of its
     * nearest existing ancestor when the path is yet to be created.
     *
     * @param path the path the child will write to, not null
     * @param bytes the space needed, 0 or more
     */
    record DiskFree(Path path, long bytes) implements Preflight {
        /** @throws IllegalArgumentException if {@code bytes} is negative */
        public DiskFree {
            Objects.requireNonNull(path, "path");
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes must be 0 or more, was " + bytes);
            }
        }

        @Override
        public void check(String tree) {
            Path existing = path.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                throw new PreflightFailed(this, "no part of " + path + " exists");
            }
            long usable;
            try {
                usable = Files.getFileStore(existing).getUsableSpace();
            } catch (IOException e) {
                throw new PreflightFailed(this, "cannot read the free space of " + existing + ": " + e);
            }
            if (usable < bytes) {
                throw new PreflightFailed(this, path + " has " + usable + " bytes free (" + mib(usable) + "), needs "
                        + bytes + " (" + mib(bytes) + ")");
            }
        }

        @Override
        public String toString() {
            return "diskFree(" + path + ", " + bytes + ")";
        }
    }

    /**
     * At least {@code bytes} of memory available for new processes without swapping: {@code MemAvailable}
     * of {@code /proc/meminfo} on Linux; on macOS free + inactive + speculative pages of {@code vm_stat}
     * (the same reading as the host memory floor's).
     *
     * @param bytes the memory needed, 0 or more
     */
    record MemoryAvailable(long bytes) implements Preflight {
        /** @throws IllegalArgumentException if {@code bytes} is negative */
        public MemoryAvailable {
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes must be 0 or more, was " + bytes);
            }
        }

        @Override
        public void check(String tree) {
            long available = available();
            if (available < bytes) {
                throw new PreflightFailed(this, available + " bytes of memory available (" + mib(available) + "), needs "
                        + bytes + " (" + mib(bytes) + ")");
            }
        }

        private long available() {
            return HostMemory.read().map(HostMemory.Snapshot::availableBytes).orElseThrow(() -> new PreflightFailed(this,
                    "this platform cannot tell the available memory (no /proc/meminfo, no vm_stat)"));
        }

        @Override
        public String toString() {
            return "memoryAvailable(" + bytes + ")";
        }
    }

    /**
     * An NVIDIA GPU is present: {@code <executable> -L} exits 0 within {@code timeout} and lists at least one
     * {@code GPU n: ...} line. A missing executable, another exit, no GPU line or no answer in time fails,
     * quoting what it printed.
     *
     * @param executable the {@code nvidia-smi} to run, a name looked up on the PATH or a path, not blank
     * @param timeout how long to wait for it, positive; it is killed after that
     */
    record GpuPresent(String executable, Duration timeout) implements Preflight {
        /** @throws IllegalArgumentException naming the field and value if one is blank or not positive */
        public GpuPresent {
            if (executable == null || executable.isBlank()) {
                throw new IllegalArgumentException("executable must not be blank, was "
                        + (executable == null ? "null" : "'" + executable + "'"));
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            Durations.atMostMax("timeout", timeout);
        }

        @Override
        public void check(String tree) {
            Path out = null;
            try {
                out = Files.createTempFile("supervision-nvidia-smi", ".out");
                Process p = new ProcessBuilder(executable, "-L").redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new PreflightFailed(this, executable + " -L did not answer within " + Human.duration(timeout));
                }
                String text = Files.readString(out, StandardCharsets.UTF_8).strip();
                if (p.exitValue() != 0) {
                    throw new PreflightFailed(this, executable + " -L exited " + p.exitValue() + ": " + text);
                }
                if (text.lines().noneMatch(l -> l.startsWith("GPU "))) {
                    throw new PreflightFailed(this, executable + " -L listed no GPU: " + text);
                }
            } catch (IOException e) {
                throw new PreflightFailed(this, "cannot run " + executable + " (no NVIDIA driver?): " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PreflightFailed(this, "interrupted while waiting for " + executable);
            } finally {
                if (out != null) {
                    try {
                        Files.deleteIfExists(out);
                    } catch (IOException e) {
                        out.toFile().deleteOnExit();
                    }
                }
            }
        }

        @Override
        public String toString() {
            return "gpuPresent(" + executable + ")";
        }
    }

    /**
     * A file or directory exists.
     *
     * @param path the path, not null
     */
    record FileExists(Path path) implements Preflight {
        /** @throws NullPointerException if {@code path} is null */
        public FileExists {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public void check(String tree) {
            if (!Files.exists(path)) {
                throw new PreflightFailed(this, path.toAbsolutePath() + " does not exist");
            }
        }

        @Override
        public String toString() {
            return "fileExists(" + path + ")";
        }
    }

    /**
     * Nobody but our own orphans listens on a TCP port. The port is free when binding it on {@code 0.0.0.0}
     * and on {@code 127.0.0.1} both succeed (with {@code SO_REUSEADDR}, so connections in {@code TIME_WAIT}
     * do not count). When it is held, the holders are looked up on Linux through {@code /proc/net/tcp},
     * {@code /proc/net/tcp6} and the open sockets in {@code /proc/<pid>/fd}, and each is judged by its
     * {@code SUPERVISION_*} tag:
     *
     * <ul>
     *   <li><b>our orphan</b>: tagged with this tree by a JVM run that is dead (neither this JVM nor another
     *       live one), i.e. left behind by a previous incarnation of the supervisor. Its whole tree (the
     *       holder, its descendants, everything with exactly its tag) is stopped, SIGTERM then SIGKILL after
     *       {@link #orphanStopTimeout()}, logged at WARN, and the port is tried again: free now, the check
     *       passes;
     *   <li><b>a live process of this tree</b> (this JVM's, e.g. another child bound to the same port, or
     *       another live JVM's running a tree of the same name): never stopped; fails with
     *       {@link PreflightFailed#heldByOwnTree()};
     *   <li><b>a stranger</b> (untagged, or another tree's): fails naming the port, the holder's pid and its
     *       command line (shortened in the middle past 240 characters).
     * </ul>
     *
     * A holder this user cannot see (another user's process, another network namespace, or no
     * {@code /proc}) is reported as unknown; such a port is never taken for free.
     *
     * @param port the port, 1 to 65535
     * @param orphanStopTimeout how long our orphan may take to exit after SIGTERM before SIGKILL, 0 or more
     */
    record PortFree(int port, Duration orphanStopTimeout) implements Preflight {
        /** The orphan stop timeout of {@link Preflight#portFree(int)}: orphans serve nobody, a short grace. */
        public static final Duration DEFAULT_ORPHAN_STOP_TIMEOUT = Duration.ofSeconds(5);
        private static final int MAX_COMMAND = 240;

        /** @throws IllegalArgumentException naming the field and value if the port is out of range or the timeout negative */
        public PortFree {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
            }
            if (orphanStopTimeout == null || orphanStopTimeout.isNegative()) {
                throw new IllegalArgumentException("orphanStopTimeout must be 0 or more, was " + orphanStopTimeout);
            }
            Durations.atMostMax("orphanStopTimeout", orphanStopTimeout);
        }

        @Override
        public void check(String tree) {
            Objects.requireNonNull(tree, "tree");
            Optional<String> refused = refused();
            if (refused.isEmpty()) {
                return;
            }
            List<PortHolders.Holder> holders = PortHolders.listening(port);
            List<String> stopped = new ArrayList<>();
            for (PortHolders.Holder h : holders) {
                if (h.tag().filter(t -> isOrphanOf(tree, t)).isPresent()) {
                    StopResult stop = PortHolders.stopOrphan(h, orphanStopTimeout);
                    if (!stop.clean()) {
                        throw new PreflightFailed(this, "port " + port + " is held by our orphan " + describe(h)
                                + ", which could not be stopped: " + stop, h.process().pid(), true);
                    }
                    stopped.add(describe(h));
                }
            }
            if (!stopped.isEmpty()) {
                refused = refused();
                if (refused.isEmpty()) {
                    return;
                }
                holders = PortHolders.listening(port);
            }
            String after = stopped.isEmpty() ? "" : " (after stopping our orphan " + String.join(", ", stopped) + ")";
            if (holders.isEmpty()) {
                throw new PreflightFailed(this, "port " + port + " is in use" + after + " by a process this user cannot see ("
                        + refused.get() + ")");
            }
            for (PortHolders.Holder h : holders) {
                Optional<ProcessTag> tag = h.tag().filter(t -> t.tree().equals(tree));
                if (tag.isPresent()) {
                    String whose = tag.get().isCurrentRun() ? "this JVM" : "another live JVM (run " + tag.get().run() + ")";
                    throw new PreflightFailed(this, "port " + port + " is held" + after + " by " + describe(h)
                            + ", a live process of tree '" + tree + "' started by " + whose + ", not an orphan: not stopped",
                            h.process().pid(), true);
                }
            }
            List<String> named = new ArrayList<>();
            holders.forEach(h -> named.add(describe(h)));
            throw new PreflightFailed(this, "port " + port + " is held" + after + " by " + String.join(", ", named)
                    + ", not a process of tree '" + tree + "'", holders.getFirst().process().pid(), false);
        }

        /** Tagged with this tree by a dead JVM run: left behind by a previous supervisor. */
        private static boolean isOrphanOf(String tree, ProcessTag tag) {
            return tag.tree().equals(tree) && !tag.isCurrentRun() && !ProcessTag.runIsAlive(tag.run());
        }

        /** Empty when both binds succeed, else why the first failed. */
        private Optional<String> refused() {
            return bind("0.0.0.0").or(() -> bind("127.0.0.1"));
        }

        private Optional<String> bind(String address) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of("bind to " + address + ":" + port + " failed: " + e.getMessage());
            }
        }

        private static String describe(PortHolders.Holder h) {
            long pid = h.process().pid();
            String self = pid == ProcessHandle.current().pid() ? "this JVM: " : "";
            String tag = h.tag().map(t -> ", tree '" + t.tree() + "' child '" + t.child() + "' incarnation "
                    + t.incarnation()).orElse("");
            return "pid " + pid + " (" + self + shorten(h.command().orElse("command line unknown")) + tag + ")";
        }

        private static String shorten(String command) {
            if (command.length() <= MAX_COMMAND) {
                return command;
            }
            int half = MAX_COMMAND / 2;
            return command.substring(0, half) + " … " + command.substring(command.length() - half);
        }

        @Override
        public String toString() {
            return "portFree(" + port + ")";
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
