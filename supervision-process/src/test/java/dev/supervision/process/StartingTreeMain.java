package dev.supervision.process;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A separate JVM for {@link ShutdownWhileStartingTest}: starts a tree (with the JVM shutdown hook) whose
 * one process child never becomes ready, so {@link Supervisor#start} is still waiting when the JVM is told
 * to stop.
 *
 * <p>Arguments: state directory, tree name, script.
 */
public final class StartingTreeMain {
    private StartingTreeMain() {}

    public static void main(String[] args) {
        Supervisor.start(SupervisorSpec.builder(args[1]).child(ProcessChild.spec(ProcessSpec.builder("loading")
                .command("bash", args[2]).stateDirectory(Path.of(args[0])).readiness(Probe.logLine("never printed"))
                .startTimeout(Duration.ofMinutes(5)).output(OutputSpec.builder().sinks(OutputSink.discard()).build())
                .build())).build());
    }
}
