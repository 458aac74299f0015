package dev.supervision.cli;

import dev.supervision.AutoShutdown;
import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.GiveUp;
import dev.supervision.Restart;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.probe.Probe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link Runner} starts: a root supervisor without children, then its children one by one (so
 * that the CLI holds the supervisor, and can stop it, while a slow child starts).
 *
 * @param root         the root supervisor's spec, with no children
 * @param children     the root's children, started in order
 * @param processes    the specs of the process children (nested ones too) by path: the child's id, under a nested
 *                     supervisor its name first ({@code trainers/trainer})
 * @param proxies      the replaying proxies in front of top-level children, started before the tree
 * @param startRetries how many failed first starts are retried (each after {@code startBackoff});
 *                     every one of them is taken off the root's intensity
 * @param startBackoff the delay before such a retry
 * @param runOnce      the child whose own exit code becomes the CLI's (auto recovery off)
 * @param oneCommand   one wrapped command (not a tree file): when it fails for good (a fatal exit, a start that
 *                     no retry can fix), nothing is left to supervise and the CLI exits
 */
record Plan(SupervisorSpec root, List<ChildSpec> children, Map<String, ProcessSpec> processes, List<ProxyPlan> proxies,
            int startRetries, Backoff startBackoff, Optional<String> runOnce, boolean oneCommand) {
    Plan {
        children = List.copyOf(children);
        processes = Map.copyOf(processes);
        proxies = List.copyOf(proxies);
    }

    /**
     * One command under a one-child supervisor. {@code maxStartRetries = N}: intensity N within the
     * retry window and give-up ESCALATE, so the (N+1)-th failure (a failed start or a crash) within
     * the window ends the tree; failed first starts count too (see {@link #startRetries}). Auto
     * recovery off: the child is TEMPORARY and significant and the root shuts down with it.
     */
    static Plan forCommand(CommandLine.Wrap w, CommandLine.Common common, ChildLogs logs) {
        // Run once without a readiness URL: the command is started when it is launched (a job that exits 0 within a
        // second did not "die starting"; its exit status is the CLI's either way).
        boolean job = !w.autoRecovery() && w.readinessUrl().isEmpty();
        String id = childId(w.command().get(0));
        ProcessSpec.Builder p = ProcessSpec.builder(id)
                .command(w.command())
                .startSeconds(job ? Duration.ZERO : w.startSeconds())
                .startTimeout(w.startTimeout())
                .stopTimeout(w.stopTimeout())
                .output(OutputSpec.builder().sinks(OutputSink.passThrough()).listener(logs.listener(id)).build())
                .stateDirectory(common.stateDir());
        w.readinessUrl().ifPresent(u -> p.readiness(new Probe.Http(u, Optional.empty())));
        w.livenessUrl().ifPresent(u -> p.liveness(Probe.Liveness.of(new Probe.Http(u, Optional.empty()))));
        w.memoryLimit().ifPresent(bytes -> p.guards(GuardSpec.builder().treeRssLimitBytes(bytes).build()));
        ProcessSpec spec = p
                .backoff(w.backoff())
                .restart(w.autoRecovery() ? Restart.PERMANENT : Restart.TEMPORARY)
                .significant(!w.autoRecovery())
                .build();
        ChildSpec child = spec.childSpec();
        SupervisorSpec root = SupervisorSpec.builder(common.tree())
                .intensity(w.maxStartRetries(), w.retryWindow())
                .giveUp(GiveUp.escalate())
                .autoShutdown(w.autoRecovery() ? AutoShutdown.NEVER : AutoShutdown.ANY_SIGNIFICANT)
                .shutdownHook(false)
                .build();
        return new Plan(root, List.of(child), Map.of(child.id(), spec), List.of(), w.autoRecovery() ? w.maxStartRetries() : 0,
                w.backoff(), w.autoRecovery() ? Optional.empty() : Optional.of(child.id()), true);
    }

    /** The child id of a command: its program's file name, reduced to letters, digits, '-' and '_'. */
    static String childId(String program) {
        Path name = Path.of(program).getFileName();
        String id = name == null ? "" : name.toString().replaceAll("[^A-Za-z0-9_-]", "_");
        return id.isEmpty() || id.chars().allMatch(c -> c == '_') ? "command" : id.length() > 64 ? id.substring(0, 64) : id;
    }
}
