package dev.supervision.process.crash;

import java.util.Optional;

/**
 * Why an incarnation crashed, as far as its output, its exit status, its guards and the kernel tell: the
 * verdict of the crash classifier at exit. Immutable.
 *
 * @param cause the deciding match: the most severe line, guard or kernel-counter match (the earliest among
 *              equals), unless an exit-status signature is more severe or nothing else matched
 * @param first the first match of the incarnation, of any severity (may be the cause itself)
 * @param exit  how the process ended
 */
public record CrashClassification(CrashMatch cause, Optional<CrashMatch> first, ExitStatus exit) {
    /** The cause's signature. */
    public CrashSignature signature() {
        return cause.signature();
    }

    /** The cause's kind. */
    public CrashKind kind() {
        return cause.signature().kind();
    }

    /** How the kind was established: an output line, the exit status, a guard or a kernel counter. */
    public CrashBasis basis() {
        return cause.basis();
    }

    /** What to do, from the cause's signature. */
    public CrashAction action() {
        return cause.signature().action();
    }

    /** Advice for people, from the cause's signature. */
    public String advice() {
        return cause.signature().advice();
    }

    /** One line for logs: the kind, how it is known and the evidence, e.g. {@code GPU_OOM (by an output line): torch...}. */
    public String describe() {
        return kind() + " (" + basis().phrase() + ", signature " + signature().id() + "): " + cause.evidence()
                + (cause.basis() == CrashBasis.EXIT_STATUS ? "" : "; " + exit)
                + (advice().isEmpty() ? "" : "; advice: " + advice());
    }
}
