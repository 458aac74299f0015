package dev.supervision.examples.bench;

import dev.supervision.ExitReason;
import dev.supervision.spi.RunningChild;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cheapest possible child used by the benchmarks: no thread, no process, just an exit future.
 * The benchmark "crashes" it by completing {@link #crash}; a stop request completes the exit at once
 * with {@link ExitReason#SHUTDOWN}. This isolates the supervisor's own overhead from the cost of
 * whatever the child really is (a virtual-thread worker, an OS process).
 */
final class BenchChild implements RunningChild {

    /** A reusable crash cause without a stack trace, so crashing costs nothing but the exit. */
    static final ExitReason CRASH = new ExitReason.Failure(new BenchCrash());

    private final CompletableFuture<ExitReason> exit = new CompletableFuture<>();

    @Override
    public CompletionStage<ExitReason> exit() { return exit; }

    @Override
    public void requestStop() { exit.complete(ExitReason.SHUTDOWN); }

    @Override
    public boolean kill() { exit.complete(ExitReason.SHUTDOWN); return true; }

    /** Makes this incarnation exit with a failure. */
    void crash() { exit.complete(CRASH); }

    /** Stack-trace-free exception used as the crash cause. */
    static final class BenchCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BenchCrash() { super("benchmark crash", null, false, false); }
    }

    /**
     * Spin-waits until {@code counter.getAsLong() >= target}; throws after 5 s so that a supervisor that
     * stalls (a missed wake-up) fails the benchmark instead of hanging the run. The clock is read only
     * every 1,024 spins.
     */
    static long awaitAtLeast(java.util.function.LongSupplier counter, long target) {
        long deadline = 0;
        int spins = 0;
        long now;
        while ((now = counter.getAsLong()) < target) {
            Thread.onSpinWait();
            if ((++spins & 1023) == 0) {
                long t = System.nanoTime();
                if (deadline == 0) deadline = t + 5_000_000_000L;
                else if (t - deadline > 0) {
                    throw new IllegalStateException("supervisor stalled: ChildStarted count " + now
                            + " did not reach " + target + " within 5 s");
                }
            }
        }
        return now;
    }
}
