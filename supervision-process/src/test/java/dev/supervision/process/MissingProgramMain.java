package dev.supervision.process;

import dev.supervision.Supervisor;
import dev.supervision.SupervisorException;
import dev.supervision.SupervisorSpec;
import java.nio.file.Path;

/** Run in its own JVM by {@link MissingProgramLogTest}: a tree whose only child's program does not exist. */
public final class MissingProgramMain {
    private MissingProgramMain() {}

    public static void main(String[] args) {
        try {
            Supervisor.start(SupervisorSpec.builder(args[0]).shutdownHook(false)
                    .child(ProcessSpec.builder("server").command(args[1], "--port", "8000").stateDirectory(Path.of(args[2])))
                    .build());
            System.out.println("started");
        } catch (SupervisorException e) {
            System.out.println("caught " + e.code() + " " + e.getCause().getClass().getSimpleName());
        }
    }
}
