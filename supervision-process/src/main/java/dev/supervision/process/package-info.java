/**
 * OS processes as children of any supervisor. Start here: {@link dev.supervision.process.ProcessSpec} is
 * the process child — what to run, when it counts as started and alive, how it is stopped, how its exit is
 * read, and the child's own settings — built as one chain and handed to a supervisor as it is.
 * {@link dev.supervision.process.ProcessEvent} is what a process child reports,
 * {@link dev.supervision.process.ProcessDetails} what it shows while it runs,
 * {@link dev.supervision.process.ProcessCrash} why it ended without being asked.
 *
 * <p>The parts a spec is made of each have a package of their own: {@code probe} (readiness and liveness
 * checks), {@code guard} (memory limits and the host's memory floor), {@code crash} (crash signatures,
 * classification, reports, history, restart advisors), {@code output} (how stdout and stderr are drained and
 * where lines go), {@code preflight} (checks before a launch). They depend on nothing here; this package
 * depends on them. See docs/architecture.md.
 */
package dev.supervision.process;
