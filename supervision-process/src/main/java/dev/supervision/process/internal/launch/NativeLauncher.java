package dev.supervision.process.internal.launch;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Launches a process without the JDK's {@code ProcessBuilder}: stdin from {@code /dev/null}, stdout and
 * stderr on pipes, only descriptors 0–2 inherited. Implemented for Linux on Java 22+ by
 * {@code PosixSpawnLauncher} (compiled separately, see {@link Launch}); thread-safe.
 */
interface NativeLauncher {
    /**
     * Starts {@code argv} (the program found on this JVM's {@code PATH}, as the JDK does) with exactly
     * {@code environment}, in {@code directory} (null: this JVM's).
     *
     * @return the process; its streams are {@link PollableStream}s, its {@code onExit()} completes on the
     *         launcher's poller thread
     * @throws IOException if the program cannot be started, with the JDK's wording
     *         ({@code Cannot run program "x": error=2, No such file or directory})
     */
    Process start(List<String> argv, Map<String, String> environment, File directory) throws IOException;

    /** How processes are launched and watched, for the log. */
    String describe();
}
