package dev.supervision.examples.pool;

import dev.supervision.Backoff;
import dev.supervision.ChildInfo;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessDetails;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker-pool demo, after the story of a search whose emergency brake fired 951 times while the
 * host stayed at 94 %: four {@link LeakyWorker}s leak memory. Each has a limit on its tree's RSS (the
 * first, with the smallest budget, hits it), and all share a host memory floor set 300 MiB below what the host will have free
 * once they run: when the pool's leaks together push the host under it, the brake restarts the
 * largest worker, the one holding the memory, and the host is back above the floor. Every second a
 * line shows the host's available memory beside the floor and each worker's RSS.
 *
 * <p>Linux (reads {@code /proc}). Runs {@code args[0]} seconds (default 40).
 *
 * <pre>./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -pl supervision-examples exec:exec@demo-pool</pre>
 */
public final class WorkerPoolDemo {
    private static final long MIB = 1L << 20;
    /** How far below the host's free memory once the workers run the floor is: the pool may leak this much together. */
    private static final long HEADROOM = 300 * MIB;
    private static final AtomicInteger LIMIT_TRIPS = new AtomicInteger();
    private static final AtomicInteger BRAKES = new AtomicInteger();

    private WorkerPoolDemo() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 40;
        Path state = Files.createTempDirectory("supervision-pool-demo");
        HostMemoryFloor brake;
        SupervisorSpec.Builder pool = SupervisorSpec.builder("worker-pool").intensity(20, Duration.ofMinutes(1))
                .listener(WorkerPoolDemo::print);
        int[] leaks = {12, 10, 8, 6};
        long[] limits = {120 * MIB, 250 * MIB, 250 * MIB, 250 * MIB};
        long floor = available() - HEADROOM - 4 * 40 * MIB;      // each worker's JVM starts at about 40 MiB
        brake = HostMemoryFloor.builder().floorBytes(floor).interval(Duration.ofMillis(250))
                .coolDown(Duration.ofSeconds(2)).minRecoveredBytes(32 * MIB).maxUselessBrakes(3).build();
        for (int i = 0; i < leaks.length; i++) {
            ProcessSpec worker = ProcessSpec.builder("worker-" + (i + 1))
                    .command(ProcessHandle.current().info().command().orElse("java"), "-Xmx32m", "-XX:MaxDirectMemorySize=2g", "-XX:+UseSerialGC",
                            "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), LeakyWorker.class.getName(),
                            "--leak-mib-per-second", Integer.toString(leaks[i]))
                    .guards(GuardSpec.builder().treeRssLimitBytes(limits[i]).interval(Duration.ofMillis(250)).build())
                    .hostMemoryFloor(brake)
                    .startSeconds(Duration.ofMillis(500))
                    .output(OutputSpec.builder().sinks(OutputSink.discard()).build())
                    .stateDirectory(state)
                    .build();
            pool.child(worker.toBuilder().backoff(Backoff.fixed(Duration.ofMillis(500))));
        }
        say(String.format(Locale.ROOT, "4 leaking workers (12, 10, 8, 6 MiB/s), limited to 120, 250, 250, 250 MiB; host floor %d MiB"
                + " (the pool may leak %d MiB together)", floor / MIB, HEADROOM / MIB));
        long belowSince = 0;
        long longestBelow = 0;
        try (Supervisor sup = Supervisor.start(pool.build())) {
            for (long s = 1; s <= seconds; s++) {
                Thread.sleep(Duration.ofSeconds(1));                   // demo pacing: a line per second
                long free = available();
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "t=%2ds host free %6d MiB %s floor |", s,
                        free / MIB, free < floor ? "BELOW" : "above"));
                for (ChildInfo c : sup.whichChildren().join()) {
                    long rss = c.details().map(d -> rss(((ProcessDetails) d).pid())).orElse(0L);
                    line.append(String.format(Locale.ROOT, " %s %4d MiB", c.id(), rss / MIB));
                }
                System.out.println("pool   | " + line);
                if (free < floor) {
                    if (belowSince == 0) belowSince = s;
                    longestBelow = Math.max(longestBelow, s - belowSince + 1);
                } else {
                    belowSince = 0;
                }
            }
        }
        say(String.format(Locale.ROOT, "%d restarts by the per-worker RSS limit, %d by the host floor's brake; the host stayed"
                + " below the floor for at most %d s in a row", LIMIT_TRIPS.get(), BRAKES.get(), longestBelow));
    }

    private static void print(SupervisorEvent e) {
        if (e instanceof SupervisorEvent.ChildNoticed n && n.notice() instanceof ProcessEvent.GuardTripped g) {
            GuardTrip t = g.trip();
            if (t.kind() == GuardTrip.Kind.HOST_MEMORY_FLOOR) {
                BRAKES.incrementAndGet();
                say(String.format(Locale.ROOT, "BRAKE host free %d MiB under the floor of %d MiB: restarting %s, the largest",
                        t.measuredBytes() / MIB, t.limitBytes() / MIB, n.child()));
            } else {
                LIMIT_TRIPS.incrementAndGet();
                say(String.format(Locale.ROOT, "RSS LIMIT %s holds %d MiB, over its %d MiB: restarting it", n.child(),
                        t.measuredBytes() / MIB, t.limitBytes() / MIB));
            }
        } else if (e instanceof SupervisorEvent.ChildNoticed n && n.notice() instanceof ProcessEvent.HostMemoryAlert a) {
            say("ALERT " + a.describe());
        }
    }

    /** MemAvailable of /proc/meminfo, in bytes. */
    private static long available() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
        throw new IOException("no MemAvailable in /proc/meminfo");
    }

    /** VmRSS of /proc/<pid>/status, in bytes; 0 if gone. */
    private static long rss(long pid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
            for (String line : lines) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static void say(String line) {
        System.out.println("demo   | " + line);
    }
}
