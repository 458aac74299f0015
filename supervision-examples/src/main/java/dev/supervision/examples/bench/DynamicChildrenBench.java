package dev.supervision.examples.bench;

import dev.supervision.ChildSpec;
import dev.supervision.ChildType;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorSpec;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.ChildStarter;
import dev.supervision.spi.RunningChild;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * 100,000 dynamic children started through {@link Supervisor#startChild} on one dynamic supervisor (default
 * maxChildren, i.e. unlimited), one shot per iteration ({@link Mode#SingleShotTime}); all
 * {@code startChild} calls are issued, then all are joined. The supervisor is stopped after each
 * iteration (not measured).
 *
 * <p>Children are {@link BenchChild}ren from a cheap custom {@code ChildStarter} whose start stage is
 * already completed — not virtual-thread workers — so this measures the supervisor's bookkeeping, not
 * thread creation. Child specs are built in the (unmeasured) setup.
 *
 * <p>Baseline measured in the same run, {@link #baselinePlainFutureStarts}: the same number of starts
 * of the same trivial children without a supervisor, each through the same starter returning an
 * already-completed {@link CompletableFuture}, collected into a list and joined.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
public class DynamicChildrenBench {

    @Param({"100000"})
    public int children;

    private static final ChildStarter STARTER = ctx -> CompletableFuture.completedFuture(new BenchChild());

    private ChildSpec[] specs;
    private Supervisor supervisor;

    @Setup(Level.Trial)
    public void buildSpecs() {
        specs = new ChildSpec[children];
        for (int i = 0; i < children; i++) {
            specs[i] = ChildSpec.builder("child-" + i, STARTER, ChildType.WORKER).build();
        }
    }

    @Setup(Level.Iteration)
    public void startSupervisor() {
        supervisor = Supervisor.start(SupervisorSpec.dynamic("bench-dynamic").shutdownHook(false).build());
    }

    @TearDown(Level.Iteration)
    public void stopSupervisor() {
        supervisor.stop(Duration.ofSeconds(60));
    }

    @Benchmark
    public Object startChildren() {
        CompletableFuture<?>[] started = new CompletableFuture<?>[children];
        for (int i = 0; i < children; i++) {
            started[i] = supervisor.startChild(specs[i]);
        }
        return CompletableFuture.allOf(started).join();
    }

    @Benchmark
    public List<RunningChild> baselinePlainFutureStarts() {
        List<RunningChild> running = new ArrayList<>(children);
        CompletableFuture<?>[] started = new CompletableFuture<?>[children];
        for (int i = 0; i < children; i++) {
            started[i] = STARTER.start(new ChildContext("plain", specs[i].id(), 1, null))
                    .toCompletableFuture().thenAccept(running::add);
        }
        CompletableFuture.allOf(started).join();
        return running;
    }
}
