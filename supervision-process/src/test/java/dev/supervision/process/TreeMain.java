package dev.supervision.process;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A separate JVM for {@link JvmKilledTest}: supervises {@code n} copies of a script as process children
 * of a tree, prints {@code ready} once all are ready, and waits to be killed with {@code kill -9}.
 *
 * <p>Arguments: state directory, tree name, number of children, script.
 */
public final class TreeMain {
    private TreeMain() {}

    public static void main(String[] args) throws Exception {
        Supervisor.start(spec(Path.of(args[0]), args[1], Integer.parseInt(args[2]), Path.of(args[3])).build());
        System.out.println("ready");
        System.out.flush();
        new CountDownLatch(1).await();
    }

    static SupervisorSpec.Builder spec(Path stateDir, String tree, int children, Path script) {
        SupervisorSpec.Builder b = SupervisorSpec.builder(tree).shutdownHook(false);
        for (int i = 0; i < children; i++) {
            b.child(ProcessSpec.builder("worker-" + i).command("bash", script.toString())
                    .stateDirectory(stateDir).startSeconds(Duration.ofMillis(100)).stopTimeout(Duration.ofSeconds(1))
                    .output(OutputSpec.builder().sinks(OutputSink.discard()).build()));
        }
        return b;
    }
}
