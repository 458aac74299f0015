package dev.supervision.process.crash;

import dev.supervision.process.output.StdStream;
import java.time.Instant;
import java.util.Optional;

/**
 * One piece of evidence that a {@link CrashSignature} saw: an output line, an exit status or a guard's
 * reason. Immutable.
 *
 * @param signature  the signature that matched
 * @param basis      what kind of evidence it is
 * @param evidence   the matched line, the exit status ({@code "killed by SIGSEGV (exit 139)"}), the guard's
 *                   reason and detail, or what the kernel counted
 * @param stream     the line's stream; empty for an exit status or a guard
 * @param lineNumber the line's number in its stream, from 1; 0 for an exit status or a guard
 * @param at         when it was seen
 */
public record CrashMatch(CrashSignature signature, CrashBasis basis, String evidence, Optional<StdStream> stream, long lineNumber,
                         Instant at) {
    /** The signature's kind. */
    public CrashKind kind() {
        return signature.kind();
    }

    /** The signature's severity. */
    public Severity severity() {
        return signature.severity();
    }

    @Override
    public String toString() {
        return signature.id() + " at " + stream.map(s -> s.name().toLowerCase(java.util.Locale.ROOT) + " line " + lineNumber)
                .orElse("exit") + ": " + evidence;
    }
}
