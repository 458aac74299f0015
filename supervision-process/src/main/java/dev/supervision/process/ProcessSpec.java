package dev.supervision.process;

import dev.supervision.Backoff;
import dev.supervision.ChildDefinition;
import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.Restart;
import dev.supervision.Supervisor;
import dev.supervision.process.crash.CrashHistory;
import dev.supervision.process.crash.InFlightRequests;
import dev.supervision.process.crash.RestartAdvisor;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.internal.Durations;
import dev.supervision.process.internal.run.ProcessStarter;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.preflight.Preflight;
import dev.supervision.process.probe.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Immutable description of an OS process as a child of any supervisor: what to run, when it counts as
 * started and alive, how to stop it, how to read its exit, and the child's own settings (restart type,
 * backoff, significance). It is a {@link ChildDefinition}, and so is its builder: hand either to
 * {@code SupervisorSpec.Builder.child} or {@code Supervisor.startChild}, one builder chain.
 *
 * {@snippet :
 * SupervisorSpec.builder("platform")
 *     .child(ProcessSpec.builder("llm")
 *         .command("vllm", "serve", "Qwen/Qwen2.5-7B-Instruct", "--port", "8000")
 *         .readiness(Probe.http("http://127.0.0.1:8000/health"))
 *         .liveness(Probe.Liveness.of(Probe.http("http://127.0.0.1:8000/health")))
 *         .backoff(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30))))
 *     .build();
 * }
 *
 * <p>As a child ({@link #childSpec()}): its start timeout is {@code startTimeout}; its shutdown timeout is
 * {@code stopTimeout} plus {@link #STOP_MARGIN}, a backstop only: the process child itself sends the stop
 * signal to its whole tree, escalates to SIGKILL after the stop timeout, and reports its exit only when
 * nothing of the tree is left. Unlike in-JVM children (OTP: restart at once), a process child has a backoff
 * by default, {@link #DEFAULT_BACKOFF}: a process that cannot start (a port not yet released, GPU memory not
 * yet freed, a failed preflight) must not burn the restart intensity in milliseconds; {@code
 * backoff(Backoff.none())} gives OTP's immediate restarts.
 *
 * <p>Defaults (as supervisord / Kubernetes where they have one): restart PERMANENT, backoff
 * {@link #DEFAULT_BACKOFF}, not significant; environment inherited; no readiness
 * probe, so the start completes after {@code startSeconds} = 1 s of uptime; readiness probed every
 * 250 ms, each attempt with a 2 s timeout; start timeout 5 minutes (model servers load slowly); no
 * liveness probe, no hang detection, no maximum age; stop with SIGTERM, SIGKILL after 10 s; normal exit codes
 * {0}; no restart-now or fatal codes; output to a logger per child ({@link OutputSpec#defaults()}); state directory {@code $XDG_STATE_HOME/supervision} or
 * {@code ~/.local/state/supervision}; crashes classified with {@link SignatureLibrary#builtIn()} and
 * written to the tree's {@link CrashHistory} in the state directory; no restart advisor; no in-flight
 * request registry; no memory limits ({@link GuardSpec#none()}: the tree's RSS is still sampled every
 * second, for the crash report); no host memory floor; no preflight.
 *
 * <p>{@link Builder#build()} validates everything and throws {@link IllegalArgumentException} naming
 * the field, the value and what was expected. Every duration of this package (here, in probes, guards and
 * preflights) is at most 100 years: "never" is a setting left out.
 */
public record ProcessSpec(String id, List<String> command, boolean shell, Map<String, String> environment,
                          boolean inheritEnvironment, Optional<Path> workingDirectory,
                          Optional<Probe> readiness, Duration readinessInterval, Duration probeTimeout,
                          Duration startSeconds, Duration startTimeout,
                          Optional<Probe.Liveness> liveness, Optional<Duration> silenceTimeout,
                          Optional<Heartbeat> heartbeat, Optional<Duration> maxAge,
                          StopSignal stopSignal, Duration stopTimeout,
                          Set<Integer> normalExitCodes, Set<Integer> restartNowCodes, Set<Integer> fatalExitCodes,
                          OutputSpec output, Path stateDirectory, SignatureLibrary signatures, boolean crashHistory,
                          Optional<RestartAdvisor> advisor, Optional<InFlightRequests> inFlightRequests,
                          GuardSpec guards, Optional<HostMemoryFloor> hostMemoryFloor, Optional<Preflight> preflight,
                          Restart restart, Backoff backoff, boolean significant) implements ChildDefinition {

    /** Added to the stop timeout for the supervisor's own shutdown timeout (a backstop). */
    public static final Duration STOP_MARGIN = Duration.ofSeconds(5);

    /** Exponential from 500 ms to 30 s, up to 20 % jitter, reset after 60 s of uptime. */
    public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30)).withJitter(0.2);

    /** Prefix of the environment variables that tag every launched process; reserved. */
    public static final String TAG_PREFIX = "SUPERVISION_";

    /** A file the worker touches; older than {@code maxAge} means the worker hangs. */
    public record Heartbeat(Path file, Duration maxAge) {
        public Heartbeat {
            Objects.requireNonNull(file, "heartbeat.file");
            if (maxAge == null || maxAge.isZero() || maxAge.isNegative()) {
                throw new IllegalArgumentException("heartbeat.maxAge: expected > 0, was " + maxAge);
            }
            Durations.atMostMax("heartbeat.maxAge", maxAge);
        }
    }

    public ProcessSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        normalExitCodes = Set.copyOf(normalExitCodes);
        restartNowCodes = Set.copyOf(restartNowCodes);
        fatalExitCodes = Set.copyOf(fatalExitCodes);
    }

    /** A builder for a process child named {@code id} (the child id in its supervisor). */
    public static Builder builder(String id) { return new Builder(id); }

    /**
     * This process as a child of a supervisor: a worker run by this library's process starter, with this spec's
     * restart type, backoff, significance, start timeout, and a shutdown timeout of {@code stopTimeout} plus
     * {@link #STOP_MARGIN}. Each call makes a new child (with its own crash history handle and restart advisor
     * state): add one to one supervisor.
     */
    @Override
    public ChildSpec childSpec() {
        return ChildSpec.builder(id, new ProcessStarter(this), ChildType.WORKER)
                .restart(restart).backoff(backoff).significant(significant)
                .startTimeout(startTimeout)
                .shutdown(stopTimeout.plus(STOP_MARGIN))
                .build();
    }

    /**
     * The crash history this child writes while {@code parent} supervises it: every crash of every process child of
     * that supervisor with this spec's state directory, oldest first, kept across runs of the application. For a
     * child of a nested supervisor pass that supervisor, or open {@link CrashHistory#open(Path, String)} with
     * this spec's state directory and {@code ChildInfo.ref().supervisor()}. Thread-safe.
     *
     * @param parent the supervisor the child was added to (running or terminated)
     * @return the history; empty when {@code crashHistory(false)} turned it off
     */
    public Optional<CrashHistory> crashHistory(Supervisor parent) {
        return ProcessStarter.history(this, parent.name());
    }

    /** A builder holding this spec's values. */
    public Builder toBuilder() {
        Builder b = new Builder(id);
        b.command = new ArrayList<>(command); b.shell = shell; b.environment = new LinkedHashMap<>(environment);
        b.inheritEnvironment = inheritEnvironment; b.workingDirectory = workingDirectory.orElse(null);
        b.readiness = readiness.orElse(null); b.readinessInterval = readinessInterval; b.probeTimeout = probeTimeout;
        b.startSeconds = startSeconds; b.startTimeout = startTimeout; b.liveness = liveness.orElse(null);
        b.silenceTimeout = silenceTimeout.orElse(null); b.heartbeat = heartbeat.orElse(null); b.maxAge = maxAge.orElse(null);
        b.stopSignal = stopSignal; b.stopTimeout = stopTimeout;
        b.normalExitCodes = normalExitCodes; b.restartNowCodes = restartNowCodes; b.fatalExitCodes = fatalExitCodes;
        b.output = output; b.stateDirectory = stateDirectory;
        b.signatures = signatures; b.crashHistory = crashHistory; b.advisor = advisor.orElse(null);
        b.inFlightRequests = inFlightRequests.orElse(null);
        b.guards = guards; b.hostMemoryFloor = hostMemoryFloor.orElse(null); b.preflight = preflight.orElse(null);
        b.restart = restart; b.backoff = backoff; b.significant = significant;
        return b;
    }

    /** The argv actually executed: the command, or {@code /bin/sh -c <line>} for a shell command. */
    public List<String> argv() { return shell ? List.of("/bin/sh", "-c", command.get(0)) : command; }

    /** The default state directory: {@code $XDG_STATE_HOME/supervision}, else {@code ~/.local/state/supervision}. */
    public static Path defaultStateDirectory() {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        return base.resolve("supervision");
    }

    /**
     * Not thread-safe; {@link #build()} copies, so a built spec never changes. A {@link ChildDefinition} too:
     * added to a supervisor, it is built then.
     */
    public static final class Builder implements ChildDefinition {
        private final String id;
        private List<String> command = List.of();
        private boolean shell;
        private Map<String, String> environment = new LinkedHashMap<>();
        private boolean inheritEnvironment = true;
        private Path workingDirectory;
        private Probe readiness;
        private Duration readinessInterval = Duration.ofMillis(250);
        private Duration probeTimeout = Duration.ofSeconds(2);
        private Duration startSeconds = Duration.ofSeconds(1);
        private Duration startTimeout = Duration.ofMinutes(5);
        private Probe.Liveness liveness;
        private Duration silenceTimeout;
        private Heartbeat heartbeat;
        private Duration maxAge;
        private StopSignal stopSignal = StopSignal.TERM;
        private Duration stopTimeout = Duration.ofSeconds(10);
        private Set<Integer> normalExitCodes = Set.of(0);
        private Set<Integer> restartNowCodes = Set.of();
        private Set<Integer> fatalExitCodes = Set.of();
        private OutputSpec output = OutputSpec.defaults();
        private Path stateDirectory = defaultStateDirectory();
        private SignatureLibrary signatures = SignatureLibrary.builtIn();
        private boolean crashHistory = true;
        private RestartAdvisor advisor;
        private InFlightRequests inFlightRequests;
        private GuardSpec guards = GuardSpec.none();
        private HostMemoryFloor hostMemoryFloor;
        private Preflight preflight;
        private Restart restart = Restart.PERMANENT;
        private Backoff backoff = DEFAULT_BACKOFF;
        private boolean significant;

        private Builder(String id) { this.id = id; }

        /** The child's restart type (default PERMANENT), as for any child. */
        public Builder restart(Restart restart) { this.restart = restart; return this; }

        /** The delay before each restart (default {@link ProcessSpec#DEFAULT_BACKOFF}; {@link Backoff#none()} for OTP's). */
        public Builder backoff(Backoff backoff) { this.backoff = backoff; return this; }

        /** Whether the child is significant for its supervisor's auto-shutdown (default false). */
        public Builder significant(boolean significant) { this.significant = significant; return this; }

        /** {@code build().childSpec()}: this process as a child. */
        @Override public ChildSpec childSpec() { return build().childSpec(); }

        /** The program and its arguments, run without a shell. */
        public Builder command(String... argv) { return command(List.of(argv)); }

        /** The program and its arguments, run without a shell. */
        public Builder command(List<String> argv) {
            this.command = new ArrayList<>(Objects.requireNonNull(argv, "command"));
            this.shell = false;
            return this;
        }

        /** A command line run by {@code /bin/sh -c} (pipes, globs, redirections). */
        public Builder shellCommand(String line) {
            this.command = new ArrayList<>(List.of(Objects.requireNonNull(line, "shellCommand")));
            this.shell = true;
            return this;
        }

        /** Sets (overrides) one environment variable. */
        public Builder env(String name, String value) { environment.put(name, value); return this; }

        /** Whether the process starts with this JVM's environment (default true) before the overrides. */
        public Builder inheritEnvironment(boolean inherit) { this.inheritEnvironment = inherit; return this; }

        public Builder workingDirectory(Path dir) { this.workingDirectory = dir; return this; }

        /** The start completes when this passes (instead of after {@code startSeconds}). */
        public Builder readiness(Probe probe) { this.readiness = probe; return this; }

        public Builder readinessInterval(Duration interval) { this.readinessInterval = interval; return this; }

        /** Timeout of one readiness attempt. */
        public Builder probeTimeout(Duration timeout) { this.probeTimeout = timeout; return this; }

        /** With no readiness probe: the uptime after which the start counts as complete (supervisord's startsecs). */
        public Builder startSeconds(Duration uptime) { this.startSeconds = uptime; return this; }

        /** The longest a start (launch plus readiness) may take before it fails. */
        public Builder startTimeout(Duration timeout) { this.startTimeout = timeout; return this; }

        public Builder liveness(Probe.Liveness liveness) { this.liveness = liveness; return this; }

        /** No output line for this long counts as a hang. */
        public Builder silenceTimeout(Duration silence) { this.silenceTimeout = silence; return this; }

        /** The worker touches {@code file}; older than {@code maxAge} counts as a hang. */
        public Builder heartbeat(Path file, Duration maxAge) { this.heartbeat = new Heartbeat(file, maxAge); return this; }

        /**
         * Restart the process once it has run this long (a leak you cannot fix, a token that expires): its
         * tree is stopped and it is restarted at once, not counted as a failure ({@link dev.supervision.ExitReason.RestartNow}).
         */
        public Builder maxAge(Duration age) { this.maxAge = age; return this; }

        public Builder stopSignal(StopSignal signal) { this.stopSignal = signal; return this; }

        /** How long the tree gets after the stop signal before SIGKILL. */
        public Builder stopTimeout(Duration timeout) { this.stopTimeout = timeout; return this; }

        /** Exit codes that mean "finished normally" (default {0}). */
        public Builder normalExitCodes(Integer... codes) { this.normalExitCodes = new java.util.HashSet<>(java.util.Arrays.asList(codes)); return this; }

        /** Exit codes that mean "restart me now": no backoff, not counted toward the intensity. */
        public Builder restartNowCodes(Integer... codes) { this.restartNowCodes = new java.util.HashSet<>(java.util.Arrays.asList(codes)); return this; }

        /** Exit codes after which a restart cannot help: the child is marked FAILED and not restarted. */
        public Builder fatalExitCodes(Integer... codes) { this.fatalExitCodes = new java.util.HashSet<>(java.util.Arrays.asList(codes)); return this; }

        /** How stdout and stderr are drained, split, kept and forwarded (default: a logger per child). */
        public Builder output(OutputSpec output) { this.output = output; return this; }

        /**
         * Where this library keeps what must outlive the JVM, one folder per supervisor name under it (default
         * {@link #defaultStateDirectory()}: {@code $XDG_STATE_HOME/supervision}, else {@code ~/.local/state/supervision}):
         * {@code <tree>/ledger}, the processes launched and still alive, so that a run after the JVM was killed stops
         * their orphans (entries are dropped as processes end; it stays small), and {@code <tree>/crashes.jsonl}, the
         * crash history, which accumulates across runs by design (rotated at 1 MiB, five files kept; turned off by
         * {@link #crashHistory(boolean) crashHistory(false)}). Nothing is created before the first process is
         * launched, so a start that fails leaves nothing behind. Children sharing a state directory and a
         * supervisor name share both files.
         */
        public Builder stateDirectory(Path dir) { this.stateDirectory = dir; return this; }

        /**
         * The crash signatures matched against the output, the exit status and guard reasons of every
         * incarnation (default {@link SignatureLibrary#builtIn()}; {@link SignatureLibrary#empty()} turns
         * classification off). A match's {@link CrashAction} is carried out: "do not restart" makes the
         * crash {@link dev.supervision.ExitReason.Fatal} (or the start a {@link dev.supervision.FatalStartException}).
         */
        public Builder signatures(SignatureLibrary library) { this.signatures = library; return this; }

        /** Whether crash reports are appended to the tree's {@link CrashHistory} in the state directory (default true). */
        public Builder crashHistory(boolean record) { this.crashHistory = record; return this; }

        /**
         * Turns the last crash into the next attempt's command and environment (checkpoint resume, a
         * flag stepped down); asked before every start, the first included. Works on the argv of
         * {@link #command}; with {@link #shellCommand} it sees {@code /bin/sh -c <line>}.
         */
        public Builder advisor(RestartAdvisor advisor) { this.advisor = advisor; return this; }

        /** Where the application records the requests in flight; a crash report lists those of this child. */
        public Builder inFlightRequests(InFlightRequests registry) { this.inFlightRequests = registry; return this; }

        /**
         * The memory guards: a limit on the RSS and on the GPU memory of the whole process tree, sampled
         * every {@link GuardSpec#interval()} from launch on. A tree over a limit is stopped and the crash
         * (kind {@link ProcessCrash.Kind#MEMORY_LIMIT} or {@link ProcessCrash.Kind#GPU_MEMORY_LIMIT})
         * restarted as any other; the last sample gives the crash report its memory at death. On a host with
         * {@code nvidia-smi}, every start after the first waits, at most {@link GuardSpec#gpuReleaseTimeout()},
         * until the previous tree's GPU memory is released. Default {@link GuardSpec#none()}.
         */
        public Builder guards(GuardSpec guards) { this.guards = guards; return this; }

        /**
         * Makes this child a candidate of the JVM's emergency brake for {@code floor}: when the host's
         * available memory falls below it, the candidate with the largest tree RSS is restarted (not counted
         * against restart intensity: it is the host's shortage, not the child's fault; the report's kind is
         * {@link ProcessCrash.Kind#HOST_MEMORY_FLOOR}). Children naming equal floors share one brake. Default: none.
         */
        public Builder hostMemoryFloor(HostMemoryFloor floor) { this.hostMemoryFloor = floor; return this; }

        /**
         * Checks run before every launch (free disk, memory, a GPU, files, a free port). A failure fails
         * that start with {@link PreflightFailed} as its cause, before anything is launched; the child's
         * restart policy and backoff then apply as for any failed start. Default: none.
         */
        public Builder preflight(Preflight checks) { this.preflight = checks; return this; }

        public ProcessSpec build() {
            if (id == null || id.isBlank() || !id.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("id: expected letters, digits, '.', '_' or '-', was "
                        + (id == null ? "null" : "'" + id + "'"));
            }
            String where = "process '" + id + "': ";
            if (command.isEmpty() || command.get(0) == null || command.get(0).isBlank()) {
                throw new IllegalArgumentException(where + "command: must not be empty, was " + command);
            }
            for (int i = 0; i < command.size(); i++) {
                if (command.get(i) == null) throw new IllegalArgumentException(where + "command[" + i + "]: must not be null");
            }
            for (Map.Entry<String, String> e : environment.entrySet()) {
                if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().contains("=")) {
                    throw new IllegalArgumentException(where + "environment: invalid variable name '" + e.getKey() + "'");
                }
                if (e.getKey().startsWith(TAG_PREFIX)) {
                    throw new IllegalArgumentException(where + "environment." + e.getKey() + ": names starting with "
                            + TAG_PREFIX + " are reserved for the process tag");
                }
                if (e.getValue() == null) throw new IllegalArgumentException(where + "environment." + e.getKey() + ": value must not be null");
            }
            positive(where, "readinessInterval", readinessInterval);
            positive(where, "probeTimeout", probeTimeout);
            positive(where, "startTimeout", startTimeout);
            positive(where, "stopTimeout", stopTimeout);
            if (silenceTimeout != null) positive(where, "silenceTimeout", silenceTimeout);
            if (maxAge != null) positive(where, "maxAge", maxAge);
            if (startSeconds == null || startSeconds.isNegative()) {
                throw new IllegalArgumentException(where + "startSeconds: expected >= 0, was " + startSeconds);
            }
            Durations.atMostMax(where + "startSeconds", startSeconds);
            if (readiness == null && startSeconds.compareTo(startTimeout) >= 0) {
                throw new IllegalArgumentException(where + "startSeconds: expected less than startTimeout (" + startTimeout
                        + "), was " + startSeconds);
            }
            Objects.requireNonNull(stopSignal, "stopSignal");
            if (stateDirectory == null) throw new IllegalArgumentException(where + "stateDirectory: must not be null");
            if (output == null) throw new IllegalArgumentException(where + "output: must not be null");
            if (guards == null) throw new IllegalArgumentException(where + "guards: must not be null (GuardSpec.none() sets no limit)");
            if (signatures == null) throw new IllegalArgumentException(where + "signatures: must not be null (SignatureLibrary.empty() turns classification off)");
            codes(where, "normalExitCodes", normalExitCodes);
            codes(where, "restartNowCodes", restartNowCodes);
            codes(where, "fatalExitCodes", fatalExitCodes);
            overlap(where, "normalExitCodes", normalExitCodes, "restartNowCodes", restartNowCodes);
            overlap(where, "normalExitCodes", normalExitCodes, "fatalExitCodes", fatalExitCodes);
            overlap(where, "restartNowCodes", restartNowCodes, "fatalExitCodes", fatalExitCodes);
            if (restart == null) throw new IllegalArgumentException(where + "restart: must not be null");
            if (backoff == null) throw new IllegalArgumentException(where + "backoff: must not be null (Backoff.none() restarts at once)");
            if (significant && restart == Restart.PERMANENT) {
                throw new IllegalArgumentException(where + "significant=true requires restart TRANSIENT or TEMPORARY, was PERMANENT");
            }
            return new ProcessSpec(id, command, shell, environment, inheritEnvironment, Optional.ofNullable(workingDirectory),
                    Optional.ofNullable(readiness), readinessInterval, probeTimeout, startSeconds, startTimeout,
                    Optional.ofNullable(liveness), Optional.ofNullable(silenceTimeout), Optional.ofNullable(heartbeat), Optional.ofNullable(maxAge),
                    stopSignal, stopTimeout, normalExitCodes, restartNowCodes, fatalExitCodes, output, stateDirectory,
                    signatures, crashHistory, Optional.ofNullable(advisor), Optional.ofNullable(inFlightRequests),
                    guards, Optional.ofNullable(hostMemoryFloor), Optional.ofNullable(preflight), restart, backoff, significant);
        }

        private static void positive(String where, String field, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) throw new IllegalArgumentException(where + field + ": expected > 0, was " + d);
            Durations.atMostMax(where + field, d);
        }

        private static void codes(String where, String field, Set<Integer> codes) {
            for (Integer c : codes) {
                if (c == null || c < 0 || c > 255) throw new IllegalArgumentException(where + field + ": expected codes 0..255, was " + c);
            }
        }

        private static void overlap(String where, String a, Set<Integer> as, String b, Set<Integer> bs) {
            Set<Integer> both = new TreeSet<>(as);
            both.retainAll(bs);
            if (!both.isEmpty()) throw new IllegalArgumentException(where + a + " and " + b + " must not overlap, both contain " + both);
        }
    }
}
