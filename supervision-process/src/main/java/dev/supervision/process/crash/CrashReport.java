package dev.supervision.process.crash;

import dev.supervision.Human;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What is known about one crash of a process child: written to the {@link CrashHistory}, handed to a
 * {@link RestartAdvisor} for the next attempt. Immutable and thread-safe.
 *
 * <p>The kind is a plain string so that every classifier can name its own: the crash-signature library's
 * kinds (for example {@code GPU_OOM}, {@code KILLED}) or, without a signature match, the
 * {@code ProcessCrash.Kind} name ({@code EXIT_CODE}, {@code SIGNAL}, ...). {@code basis} says how the kind
 * is known and {@code evidence} shows it, so that a reader can tell a fact from a suspicion: a SIGKILL is
 * {@code KILLED} by the exit status, an OOM kill by the kernel is {@code KERNEL_OOM_KILL} only by a kernel
 * line or the cgroup's counter.
 *
 * @param tree the supervision tree's name, not blank
 * @param child the child's name, not blank
 * @param incarnation which start of the child crashed, 1 or more
 * @param time when the crash was noticed
 * @param kind the classification, not blank
 * @param basis how the kind was established
 * @param evidence what shows it, in words: the matched line, the exit status (and, for a SIGKILL, whether
 *                 the kernel's OOM-kill counter moved), the guard's measurement or the failed check; not blank
 * @param matchedLine the output line a crash signature matched, when the basis is an output line
 * @param exit how the process ended; empty when we stopped it after a failed check
 * @param lastLines the last lines of output, oldest first
 * @param uptime how long the incarnation ran, not negative
 * @param rssBytes resident memory of the process tree at death, when measured
 * @param gpuBytes GPU memory of the process tree at death, when measured
 * @param advice what an operator should do, when the classifier knows
 * @param inFlightRequests ids of the requests in flight when it crashed ({@link InFlightRequests}), oldest first
 */
public record CrashReport(String tree, String child, long incarnation, Instant time, String kind, CrashBasis basis,
        String evidence, Optional<String> matchedLine, Optional<ExitStatus> exit, List<String> lastLines, Duration uptime,
        OptionalLong rssBytes, OptionalLong gpuBytes, Optional<String> advice, List<String> inFlightRequests) {

    /**
     * Validates and copies the lists.
     *
     * @throws IllegalArgumentException naming the field and the value if a string is blank, the
     *     incarnation below 1, the uptime or a byte count negative
     * @throws NullPointerException naming the field if a component or list element is null
     */
    public CrashReport {
        notBlank("tree", tree);
        notBlank("child", child);
        notBlank("kind", kind);
        Objects.requireNonNull(basis, "basis");
        notBlank("evidence", evidence);
        if (incarnation < 1) {
            throw new IllegalArgumentException("incarnation must be 1 or more, was " + incarnation);
        }
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(matchedLine, "matchedLine");
        Objects.requireNonNull(exit, "exit");
        lastLines = List.copyOf(Objects.requireNonNull(lastLines, "lastLines"));
        Objects.requireNonNull(uptime, "uptime");
        if (uptime.isNegative()) {
            throw new IllegalArgumentException("uptime must not be negative, was " + uptime);
        }
        notNegative("rssBytes", Objects.requireNonNull(rssBytes, "rssBytes"));
        notNegative("gpuBytes", Objects.requireNonNull(gpuBytes, "gpuBytes"));
        Objects.requireNonNull(advice, "advice");
        inFlightRequests = List.copyOf(Objects.requireNonNull(inFlightRequests, "inFlightRequests"));
    }

    /**
     * This report classified by a crash signature: its kind, basis, advice and evidence, with {@code note}
     * (may be empty) added to the evidence; the matched line when an output line decided.
     */
    public CrashReport withClassification(CrashClassification verdict, String note) {
        String shown = verdict.cause().evidence() + (note.isEmpty() ? "" : "; " + note);
        Optional<String> line = verdict.basis() == CrashBasis.OUTPUT_LINE ? Optional.of(verdict.cause().evidence()) : Optional.empty();
        Optional<String> says = verdict.advice().isEmpty() ? Optional.empty() : Optional.of(verdict.advice());
        return new CrashReport(tree, child, incarnation, time, verdict.kind().name(), verdict.basis(), shown, line, exit,
                lastLines, uptime, rssBytes, gpuBytes, says, inFlightRequests);
    }

    /** This report with the resources measured at death; a negative value means not measured. */
    public CrashReport withResources(long rssBytes, long gpuBytes) {
        return new CrashReport(tree, child, incarnation, time, kind, basis, evidence, matchedLine, exit, lastLines, uptime,
                rssBytes < 0 ? OptionalLong.empty() : OptionalLong.of(rssBytes),
                gpuBytes < 0 ? OptionalLong.empty() : OptionalLong.of(gpuBytes), advice, inFlightRequests);
    }

    /** This report listing the requests that were in flight, e.g. {@link InFlightRequests#snapshot(String)}. */
    public CrashReport withInFlightRequests(List<String> ids) {
        return new CrashReport(tree, child, incarnation, time, kind, basis, evidence, matchedLine, exit, lastLines, uptime,
                rssBytes, gpuBytes, advice, ids);
    }

    /**
     * The report in plain sentences, one fact per line, for a log or a terminal; what was not measured or not
     * known says so. For example:
     * <pre>
     * Crash of 'llm' in tree 'platform' (start 3) at 2026-12-07T19:52:10Z, after 3 min 5 s running.
     * Kind: GPU_OOM, known by an output line: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
     * How it ended: exit 1.
     * Memory at the last sample before the end: 7.5 GiB resident (whole tree); GPU memory not measured.
     * Advice: lower --gpu-memory-utilization or the batch size
     * Requests in flight: none recorded.
     * Last 2 lines of output:
     *   | loading weights
     *   | torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB
     * </pre>
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("Crash of '").append(child).append("' in tree '").append(tree).append("' (start ").append(incarnation)
          .append(") at ").append(time).append(", after ").append(Human.duration(uptime)).append(" running.\n");
        sb.append("Kind: ").append(kind).append(", known ").append(basis.phrase()).append(": ").append(evidence).append('\n');
        sb.append("How it ended: ").append(exit.map(e -> e + ".").orElse("no exit status (this supervisor stopped it).")).append('\n');
        sb.append("Memory at the last sample before the end: ")
          .append(rssBytes.isPresent() ? Human.bytes(rssBytes.getAsLong()) + " resident (whole tree)" : "resident memory not measured")
          .append("; ")
          .append(gpuBytes.isPresent() ? Human.bytes(gpuBytes.getAsLong()) + " of GPU memory" : "GPU memory not measured")
          .append(".\n");
        sb.append("Advice: ").append(advice.orElse("none known for this kind.")).append('\n');
        sb.append("Requests in flight: ").append(inFlightRequests.isEmpty() ? "none recorded." : inFlightRequests.size() + " ("
                + String.join(", ", inFlightRequests) + ").").append('\n');
        if (lastLines.isEmpty()) {
            sb.append("No output was kept.");
        } else {
            sb.append("Last ").append(lastLines.size()).append(lastLines.size() == 1 ? " line" : " lines").append(" of output:");
            for (String line : lastLines) sb.append("\n  | ").append(line);
        }
        return sb.toString();
    }

    private static void notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was " + (value == null ? "null" : "'" + value + "'"));
        }
    }

    private static void notNegative(String field, OptionalLong value) {
        if (value.isPresent() && value.getAsLong() < 0) {
            throw new IllegalArgumentException(field + " must not be negative, was " + value.getAsLong());
        }
    }
}
