package dev.supervision.process.preflight;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A {@link Preflight} check failed. Meant as the cause of a failed start (not a crash: the process was
 * never launched), which the child's restart policy and backoff then handle like any failed start. The
 * message names the check and says why, with the values involved, e.g.
 * {@code preflight portFree(8000) failed: port 8000 is held by pid 4242 (python -m http.server 8000), not
 * a process of tree 'llm'}. No stack trace is filled in: where the check ran says nothing more.
 *
 * <p>For {@link Preflight.PortFree}, {@link #holderPid()} names the process holding the port when it could
 * be found, and {@link #heldByOwnTree()} says whether that process is a live one of this tree (started by
 * this JVM or by another live JVM running a tree of the same name); our orphans, left by a dead run, are
 * stopped by the check itself and never reported here unless they survived the stop.
 *
 * <p>For {@link Preflight.All} with several failures, {@link #failures()} holds each, and the message
 * lists them all. Immutable; thread-safe.
 */
public final class PreflightFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Preflight check;
    private final transient List<PreflightFailed> failures;
    private final long holderPid;
    private final boolean heldByOwnTree;

    /**
     * One failed check.
     *
     * @param check the check that failed, not null
     * @param reason why, with the values involved, not null
     */
    public PreflightFailed(Preflight check, String reason) {
        this(check, reason, -1, false);
    }

    PreflightFailed(Preflight check, String reason, long holderPid, boolean heldByOwnTree) {
        super("preflight " + Objects.requireNonNull(check, "check") + " failed: " + Objects.requireNonNull(reason, "reason"),
                null, false, false);
        this.check = check;
        this.failures = null;
        this.holderPid = holderPid;
        this.heldByOwnTree = heldByOwnTree;
    }

    /** Several checks of {@code all} failed; the first one's holder details are kept. */
    PreflightFailed(Preflight.All all, List<PreflightFailed> failures) {
        super(failures.size() + " of " + all.checks().size() + " preflight checks failed: "
                + String.join("; ", failures.stream().map(Throwable::getMessage).toList()), null, false, false);
        this.check = all;
        this.failures = List.copyOf(failures);
        this.holderPid = failures.stream().mapToLong(f -> f.holderPid).filter(p -> p >= 0).findFirst().orElse(-1);
        this.heldByOwnTree = failures.stream().anyMatch(f -> f.heldByOwnTree);
    }

    /** The check that failed (an {@link Preflight.All} when several did); null only after deserialization. */
    public Preflight check() {
        return check;
    }

    /** Each failed single check: this alone for one, every one in order for an {@link Preflight.All}. */
    public List<PreflightFailed> failures() {
        return failures == null ? List.of(this) : failures;
    }

    /**
     * The pid of the process holding the port of a failed {@link Preflight.PortFree}, when found (the
     * first such failure's, for several).
     */
    public OptionalLong holderPid() {
        return holderPid < 0 ? OptionalLong.empty() : OptionalLong.of(holderPid);
    }

    /**
     * Whether the port is held by a live process tagged with this tree ({@code SUPERVISION_TREE}): another
     * child of ours bound to the same port, or a tree of the same name in another live JVM; or by our
     * orphan that could not be stopped. Never stopped by the check.
     */
    public boolean heldByOwnTree() {
        return heldByOwnTree;
    }
}
