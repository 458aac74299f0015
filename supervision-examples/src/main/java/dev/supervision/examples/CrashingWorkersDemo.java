package dev.supervision.examples;

import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.GiveUp;
import dev.supervision.Strategy;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * In-JVM demo: a tree of workers that crash at random. Every event is printed as it happens and the
 * tree is shown every second and at the end. Runs for {@code args[0]} seconds (default 6).
 */
public final class CrashingWorkersDemo {
    private CrashingWorkersDemo() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 6;
        SupervisorSpec pool = SupervisorSpec.builder("worker-pool")
                .strategy(Strategy.ONE_FOR_ONE)
                .intensity(3, Duration.ofSeconds(2))
                .giveUp(GiveUp.circuitBreaker(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .child(ChildSpec.worker("flaky-1", ctx -> crashSometimes(0.3)).backoff(Backoff.exponential(
                        Duration.ofMillis(100), Duration.ofSeconds(1)).withJitter(0.2)))
                .child(ChildSpec.worker("flaky-2", ctx -> crashSometimes(0.5)).backoff(Backoff.fixed(Duration.ofMillis(200))))
                .child(ChildSpec.worker("steady", ctx -> Thread.currentThread().join()))
                .listener(CrashingWorkersDemo::print)
                .build();
        SupervisorSpec root = SupervisorSpec.builder("demo")
                .strategy(Strategy.REST_FOR_ONE)
                .intensity(10, Duration.ofSeconds(10))
                .child(ChildSpec.worker("database", ctx -> Thread.currentThread().join()))
                .child(ChildSpec.supervisor(pool))
                .child(ChildSpec.worker("api", ctx -> {
                    while (true) crashSometimes(0.15);      // serves until it crashes
                }))
                .listener(CrashingWorkersDemo::print)
                .build();
        try (Supervisor sup = Supervisor.start(root)) {
            for (long s = 1; s <= seconds && !sup.termination().isDone(); s++) {
                Thread.sleep(Duration.ofSeconds(1));   // demo pacing, not a wait for a result
                System.out.println("--- tree after " + s + " s ---");
                System.out.print(sup.snapshot().join().render());
            }
            sup.stop().join();
            System.out.println("--- final tree ---");
            System.out.print(sup.snapshot().join().render());
        }
    }

    /** Works for 100-400 ms, then crashes with probability {@code p} or finishes (and is restarted). */
    private static void crashSometimes(double p) throws InterruptedException {
        Thread.sleep(ThreadLocalRandom.current().nextLong(100, 400));
        if (ThreadLocalRandom.current().nextDouble() < p) {
            throw new IllegalStateException("simulated crash");
        }
    }

    private static void print(SupervisorEvent e) {
        String line = switch (e) {
            case SupervisorEvent.ChildStarted s -> "started   " + s.child();
            case SupervisorEvent.ChildExited x -> "exited    " + x.child() + " (" + x.reason() + ")";
            case SupervisorEvent.RestartScheduled r -> "restart   " + r.child() + " in " + r.delay().toMillis() + " ms (attempt " + r.attempt() + ")";
            case SupervisorEvent.StartFailed f -> "start-err " + f.child() + ": " + f.cause();
            case SupervisorEvent.IntensityExceeded i -> "INTENSITY " + i.child() + " exceeded " + i.intensity() + " in " + i.period();
            case SupervisorEvent.CircuitOpened o -> "CIRCUIT   " + o.child() + " open for " + o.coolDown();
            case SupervisorEvent.CircuitHalfOpen h -> "CIRCUIT   " + h.child() + " half-open (trial start)";
            case SupervisorEvent.CircuitClosed c -> "CIRCUIT   " + c.child() + " closed";
            case SupervisorEvent.ChildAbandoned a -> "ABANDONED " + a.child() + ": " + a.detail();
            case SupervisorEvent.SupervisorTerminated t -> "TERMINATED (" + t.reason() + ")";
            case SupervisorEvent.ChildNoticed n -> "notice    " + n.child() + ": " + n.notice().describe();
        };
        System.out.printf("[%-11s] %s%n", e.supervisor(), line);
    }
}
