package dev.supervision.examples.bench;

import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.ChildStarter;
import dev.supervision.spi.RunningChild;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ONE_FOR_ALL restart of {@code children} children: time from crashing one child until every child
 * has been stopped and started again (counted through {@code ChildStarted} events).
 *
 * <p>Children are {@link BenchChild}ren from a custom {@code ChildStarter} (start completes at once,
 * stop completes the exit at once, no threads), so this measures the supervisor's own work.
 *
 * <p>Baseline measured in the same run, {@link #baselineStopAndStartDirectly}: the same work without a
 * supervisor — stop each of the {@code children} children and start a new incarnation through an
 * equivalent starter, on the calling thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OneForAllRestartBench {

    @Param({"100", "1000"})
    public int children;

    private Supervisor supervisor;
    /** Running incarnations by index; written on the supervisor loop before ChildStarted. */
    private BenchChild[] current;
    private volatile long started;

    private static final ChildStarter DIRECT = ctx -> CompletableFuture.completedFuture(new BenchChild());
    private RunningChild[] direct;
    private ChildContext[] contexts;

    @Setup(Level.Trial)
    public void setUp() {
        current = new BenchChild[children];

        SupervisorSpec.Builder spec = SupervisorSpec.builder("bench-one-for-all")
                .strategy(Strategy.ONE_FOR_ALL)
                .intensity(Integer.MAX_VALUE, Duration.ofSeconds(1))
                .shutdownHook(false)
                .listener(e -> {
                    if (e instanceof SupervisorEvent.ChildStarted) started++;   // loop thread only
                });
        for (int i = 0; i < children; i++) {
            int index = i;
            ChildStarter starter = ctx -> {
                BenchChild c = new BenchChild();
                current[index] = c;
                return CompletableFuture.completedFuture(c);
            };
            spec.child(ChildSpec.builder("child-" + i, starter, ChildType.WORKER));
        }
        supervisor = Supervisor.start(spec.build());
        while (started < children) Thread.onSpinWait();

        direct = new RunningChild[children];
        contexts = new ChildContext[children];
        for (int i = 0; i < children; i++) {
            contexts[i] = new ChildContext("direct", "child-" + i, 1, null);
            direct[i] = new BenchChild();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        supervisor.stop(Duration.ofSeconds(30));
    }

    @Benchmark
    public long crashOneRestartAll() {
        long target = started + children;
        current[children / 2].crash();
        return BenchChild.awaitAtLeast(() -> started, target);
    }

    @Benchmark
    public RunningChild baselineStopAndStartDirectly() {
        RunningChild last = null;
        for (int i = children - 1; i >= 0; i--) {
            direct[i].requestStop();
            direct[i].exit().toCompletableFuture().join();
        }
        for (int i = 0; i < children; i++) {
            last = DIRECT.start(contexts[i]).toCompletableFuture().join();
            direct[i] = last;
        }
        return last;
    }
}
