package dev.supervision.examples.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.examples.DemoJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker-pool demo, run as README runs it (its own JVM, real leaking worker processes, the host's
 * real available memory). Other processes on the host move its free memory too, so the test asks for
 * what the guards must do, not for exact counts.
 */
class WorkerPoolDemoTest {
    @TempDir Path dir;

    @Test
    void theRssLimitAndTheHostFloorRestartTheLeakersAndTheHostDoesNotStayUnderTheFloor() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/meminfo")), "Linux only");
        String text = DemoJvm.run(dir, WorkerPoolDemo.class, 90, "25");
        assertThat(text).as(text).contains("RSS LIMIT worker-1 holds", "BRAKE host free");
        Matcher m = Pattern.compile("the host stayed below the floor for at most (\\d+) s in a row").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as(text).isLessThanOrEqualTo(5);
    }
}
