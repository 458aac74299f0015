package dev.supervision.process;

import java.util.Optional;

/**
 * Why an incarnation crashed, as far as its output, its exit status and its guards tell: the verdict of
 * the crash classifier at exit. Immutable.
 *
 * @param cause     the deciding match: the most severe line or guard match (the earliest among equals),
 *                  unless an exit-status signature is more severe or nothing else matched
 * @param first     the first match of the incarnation, of any severity (may be the cause itself)
 * @param exit      how the process ended
 * @param confirmed false when the cause is only suspected from the exit status (exit 137: any SIGKILL
 *                  reads the same as the kernel's OOM killer); true when a line, a guard or a conclusive
 *                  exit status shows it
 */
public record CrashClassification(CrashMatch cause, Optional<CrashMatch> first, ExitStatus exit, boolean confirmed) {
    /** The cause's signature. */
    public CrashSignature signature() {
        return cause.signature();
    }

    /** The cause's kind. */
    public CrashKind kind() {
        return cause.signature().kind();
    }

    /** What to do, from the cause's signature. */
    public CrashAction action() {
        return cause.signature().action();
    }

    /** Advice for people, from the cause's signature. */
    public String advice() {
        return cause.signature().advice();
    }

    /** One line for logs and crash reports. */
    public String describe() {
        return kind() + (confirmed ? "" : " (suspected)") + " by " + signature().id() + " [" + action() + "]: "
                + cause.evidence() + "; " + exit + (advice().isEmpty() ? "" : " — " + advice());
    }
}
