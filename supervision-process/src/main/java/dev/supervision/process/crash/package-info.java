/**
 * Crash intelligence: what a crash was, how that is known, and what to do about it.
 * {@link dev.supervision.process.crash.CrashSignature}s (in a {@link dev.supervision.process.crash.SignatureLibrary};
 * {@code builtIn()} holds real ML crash messages) match output lines, exit statuses and guard reasons; the
 * verdict is a {@link dev.supervision.process.crash.CrashClassification} of a {@link dev.supervision.process.crash.CrashKind}
 * on a {@link dev.supervision.process.crash.CrashBasis}; each crash becomes a {@link dev.supervision.process.crash.CrashReport}
 * kept in the tree's {@link dev.supervision.process.crash.CrashHistory}; a {@link dev.supervision.process.crash.RestartAdvisor}
 * turns the last crash into the next attempt's {@link dev.supervision.process.crash.LaunchPlan}.
 * {@link dev.supervision.process.crash.ExitStatus} decodes how a process ended. To add a signature, see
 * {@code CrashSignature}; built-in ones live in {@code BuiltInSignatures} with a fixture each. Depends on
 * {@code output} only (the stream a line came from).
 */
package dev.supervision.process.crash;
