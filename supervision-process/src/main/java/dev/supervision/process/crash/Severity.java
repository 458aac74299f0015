package dev.supervision.process.crash;

/**
 * How much a {@link CrashSignature} match says about a crash, in increasing order; the classifier keeps
 * the most severe match ({@link Enum#compareTo}) and, among equals, the earliest.
 */
public enum Severity {
    /** Worth noting in a crash report, never the cause of a crash (a client's bad request). */
    INFO,
    /** Suggests a cause (a warning, a suspected kill); outranked by any error. */
    WARNING,
    /** A crash cause. */
    ERROR,
    /** A cause that needs a person: hardware faults, a full disk, a configuration the same command cannot run. */
    CRITICAL
}
