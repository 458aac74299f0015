package dev.supervision.process.internal.tree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

/**
 * The environment marker every launched process carries, so that its whole tree can be found later,
 * including the parts that re-parented to init or detached with {@code setsid}. Environment variables
 * are inherited by every descendant that does not clear its environment on purpose, which no ML server
 * or trainer does.
 *
 * <ul>
 *   <li>{@value #TREE}: the supervision tree's name;
 *   <li>{@value #CHILD}: the child's id within the tree;
 *   <li>{@value #INCARNATION}: which start of that child (1, 2, ...), so that a stop never touches the
 *       next incarnation;
 *   <li>{@value #RUN}: the id of the JVM run that launched it ({@link #currentRun()}), so that a new run
 *       tells its own processes from a dead predecessor's.
 * </ul>
 *
 * <p>Immutable and thread-safe. Values may hold any character but NUL.
 *
 * @param tree the tree name, not blank
 * @param child the child id, not blank
 * @param incarnation the incarnation, 1 or more
 * @param run the JVM run id, not blank
 */
public record ProcessTag(String tree, String child, long incarnation, String run) {
    /** The prefix all marker variables share; inherited variables with it are replaced on launch. */
    public static final String PREFIX = "SUPERVISION_";
    /** The variable naming the tree. */
    public static final String TREE = "SUPERVISION_TREE";
    /** The variable naming the child. */
    public static final String CHILD = "SUPERVISION_CHILD";
    /** The variable holding the incarnation. */
    public static final String INCARNATION = "SUPERVISION_INCARNATION";
    /** The variable holding the JVM run id. */
    public static final String RUN = "SUPERVISION_RUN";

    private static final int EMPTY_RETRIES = 3;
    private static final long EMPTY_RETRY_NANOS = 200_000;
    private static final String CURRENT_RUN = ProcessHandle.current().pid() + "-"
            + ProcessScan.startTime(ProcessHandle.current().pid()).orElse(0) + "-"
            + Long.toHexString(UUID.randomUUID().getMostSignificantBits());

    /** @throws IllegalArgumentException naming the field if a value is blank, holds NUL, or incarnation is below 1 */
    public ProcessTag {
        check("tree", tree);
        check("child", child);
        check("run", run);
        if (incarnation < 1) {
            throw new IllegalArgumentException("incarnation must be 1 or more, was " + incarnation);
        }
    }

    private static void check(String field, String value) {
        if (value == null || value.isBlank() || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(field + " must be non-blank without NUL characters, was "
                    + (value == null ? "null" : "'" + value.replace("\0", "\\0") + "'"));
        }
    }

    /** A tag of this JVM's run. */
    public static ProcessTag of(String tree, String child, long incarnation) {
        return new ProcessTag(tree, child, incarnation, CURRENT_RUN);
    }

    /**
     * This JVM run's id: {@code <pid>-<start time>-<random hex>}, fixed for the life of the JVM and unique
     * across runs on a machine (a pid alone is reused); the pid and start time tell whether the run's JVM
     * is still alive ({@link #runIsAlive}).
     */
    public static String currentRun() {
        return CURRENT_RUN;
    }

    /**
     * Whether the JVM of {@code run} is still alive: its pid runs with the start time recorded in the run
     * id ({@code <pid>-<start time>-<random>}). False for a run id of another form, or when start times
     * are unknown (0). Two live JVMs running trees of the same name must not take each other's processes
     * for orphans.
     */
    public static boolean runIsAlive(String run) {
        String[] parts = run.split("-", 3);
        if (parts.length < 3) return false;
        try {
            long pid = Long.parseLong(parts[0]);
            long start = Long.parseLong(parts[1]);
            return start != 0 && ProcessScan.startTime(pid).orElse(-1) == start;
        } catch (NumberFormatException notOurs) {
            return false;
        }
    }

    /** Whether this tag was made by this JVM run. */
    public boolean isCurrentRun() {
        return CURRENT_RUN.equals(run);
    }

    /**
     * Puts the marker into an environment, first removing any inherited {@value #PREFIX} variables (this
     * JVM may itself be a supervised child).
     *
     * @param environment a mutable environment, e.g. {@link ProcessBuilder#environment()}
     */
    public void applyTo(Map<String, String> environment) {
        environment.keySet().removeIf(k -> k.startsWith(PREFIX));
        environment.put(TREE, tree);
        environment.put(CHILD, child);
        environment.put(INCARNATION, Long.toString(incarnation));
        environment.put(RUN, run);
    }

    /** Puts the marker into the builder's environment; see {@link #applyTo(Map)}. */
    public ProcessBuilder applyTo(ProcessBuilder builder) {
        applyTo(builder.environment());
        return builder;
    }

    /**
     * The tag a running process was started with, read from {@code /proc/<pid>/environ} (its initial
     * environment). Empty, silently, for a process without a complete tag, one that vanished, one whose
     * environment is not readable (another user's), and on systems without {@code /proc}. An empty
     * environment is read again up to 3 times, 0.2 ms apart, since a process in the middle of
     * {@code execve} reads as empty.
     */
    public static Optional<ProcessTag> read(long pid) {
        Path path = Path.of("/proc", Long.toString(pid), "environ");
        try {
            byte[] environ = Files.readAllBytes(path);
            // A process caught in execve reads as empty (the old memory is gone, the new one not yet
            // there): look again a few times before taking it for an empty environment.
            for (int retry = 0; environ.length == 0 && retry < EMPTY_RETRIES; retry++) {
                LockSupport.parkNanos(EMPTY_RETRY_NANOS);
                environ = Files.readAllBytes(path);
            }
            return environ.length == 0 ? fromOtherThread(pid) : parse(environ);
        } catch (AccessDeniedException | SecurityException notOurs) {
            return Optional.empty();                   // another user's: its threads are not readable either
        } catch (IOException e) {
            return fromOtherThread(pid);               // "No such process": gone, or a leader that exited alone
        }
    }

    /**
     * The tag as another thread of the process sees it: for a process whose leader thread exited while the
     * others run on ({@code /proc/<pid>/environ} then fails, the leader's memory being gone), the same
     * environment is readable through any live thread. Empty for a process with no other thread.
     */
    private static Optional<ProcessTag> fromOtherThread(long pid) {
        String[] tids = Path.of("/proc", Long.toString(pid), "task").toFile().list();
        if (tids == null) return Optional.empty();
        for (String tid : tids) {
            if (tid.equals(Long.toString(pid))) continue;
            try {
                byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "task", tid, "environ"));
                if (environ.length > 0) return parse(environ);
            } catch (IOException | SecurityException gone) {
                // that thread ended meanwhile: try the next
            }
        }
        return Optional.empty();
    }

    /** Parses NUL-separated {@code NAME=value} entries; empty unless all four variables are present and valid. */
    static Optional<ProcessTag> parse(byte[] environ) {
        Map<String, String> found = new HashMap<>(8);
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start > PREFIX.length() && startsWithPrefix(environ, start)) {
                    String entry = new String(environ, start, i - start, StandardCharsets.UTF_8);
                    int eq = entry.indexOf('=');
                    if (eq > 0) {
                        found.put(entry.substring(0, eq), entry.substring(eq + 1));
                    }
                }
                start = i + 1;
            }
        }
        String tree = found.get(TREE);
        String child = found.get(CHILD);
        String incarnation = found.get(INCARNATION);
        String run = found.get(RUN);
        if (tree == null || child == null || incarnation == null || run == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcessTag(tree, child, Long.parseLong(incarnation), run));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean startsWithPrefix(byte[] bytes, int offset) {
        for (int i = 0; i < PREFIX.length(); i++) {
            if (bytes[offset + i] != PREFIX.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
