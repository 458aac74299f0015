package dev.supervision.examples.bench;

import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ONE_FOR_ONE restart latency: time from crashing a child until its replacement is running, as
 * p50/p99 percentiles ({@link Mode#SampleTime}).
 *
 * <p>{@link #crashToRestarted} uses a {@link BenchChild} (a custom {@code ChildStarter} whose start
 * completes at once, no thread): the benchmark completes the child's exit future with a failure and
 * spin-waits until the supervisor's {@code ChildStarted} listener has counted the replacement. The
 * intensity is {@code Integer.MAX_VALUE} restarts per second, so the supervisor never gives up.
 *
 * <p>Baseline measured in the same run, {@link #baselineVirtualThreadHandoff}: starting a virtual
 * thread that offers to a {@link ConcurrentLinkedQueue}, spin-waiting for the element — the physical
 * floor of "something happens on another thread and we see it".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OneForOneRestartBench {

    private Supervisor supervisor;
    /** The running incarnation; written by the starter on the supervisor loop before ChildStarted. */
    private volatile BenchChild current;
    /** Incremented by the ChildStarted listener. */
    private volatile long started;

    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private static final Object TOKEN = new Object();

    @Setup(Level.Trial)
    public void setUp() {
        ChildSpec child = ChildSpec.builder("child", ctx -> {
            BenchChild c = new BenchChild();
            current = c;
            return CompletableFuture.completedFuture(c);
        }, ChildType.WORKER).build();
        supervisor = Supervisor.start(SupervisorSpec.builder("bench-one-for-one")
                .strategy(Strategy.ONE_FOR_ONE)
                .intensity(Integer.MAX_VALUE, Duration.ofSeconds(1))
                .shutdownHook(false)
                .listener(e -> {
                    if (e instanceof SupervisorEvent.ChildStarted) started++;   // loop thread only
                })
                .child(child)
                .build());
        while (started == 0) Thread.onSpinWait();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        supervisor.stop(Duration.ofSeconds(30));
    }

    @Benchmark
    public long crashToRestarted() {
        long before = started;
        current.crash();
        return BenchChild.awaitAtLeast(() -> started, before + 1);
    }

    @Benchmark
    public Object baselineVirtualThreadHandoff() {
        Thread.ofVirtual().start(() -> queue.offer(TOKEN));
        Object o;
        while ((o = queue.poll()) == null) Thread.onSpinWait();
        return o;
    }
}
