package dev.supervision.process;

import dev.supervision.ChildSpec;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.probe.Probe;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM for {@link ShutdownWhileStartingTest}: starts a tree (with the JVM shutdown hook) whose
 * one process child never becomes ready, so {@link Supervisor#start} is still waiting when the JVM is told
 * to stop.
 *
 * <p>Arguments: state directory, tree name, script, and {@code nested} to put the child in a nested
 * supervisor.
 */
public final class StartingTreeMain {
    private StartingTreeMain() {}

    public static void main(String[] args) {
        ChildSpec loading = ProcessSpec.builder("loading")
                .command("bash", args[2]).stateDirectory(Path.of(args[0])).readiness(Probe.logLine("never printed"))
                .startTimeout(Duration.ofMinutes(5)).output(OutputSpec.builder().sinks(OutputSink.discard()).build())
                .childSpec();
        boolean nested = args.length > 3 && args[3].equals("nested");
        // The process tree's tag names the supervisor it belongs to: args[1] in both cases.
        Supervisor.start(nested
                ? SupervisorSpec.builder(args[1] + "-root").child(ChildSpec.supervisor(SupervisorSpec.builder(args[1])
                        .child(loading).build())).build()
                : SupervisorSpec.builder(args[1]).child(loading).build());
    }
}
