package dev.supervision.internal;

import dev.supervision.ExitReason;
import dev.supervision.Service;
import dev.supervision.SupervisorSpec;
import dev.supervision.Worker;
import dev.supervision.spi.ChildStarter;
import dev.supervision.spi.RunningChild;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/** The built-in kinds of child. */
public final class Children {
    private Children() {}

    /** A worker on its own virtual thread; started as soon as the thread is. */
    public static ChildStarter worker(Worker worker) {
        return ctx -> {
            CompletableFuture<ExitReason> exit = new CompletableFuture<>();
            ThreadChild child = new ThreadChild(exit);
            child.thread = Thread.ofVirtual().name("worker-" + ctx.supervisor() + "/" + ctx.id()).unstarted(() -> {
                ExitReason reason;
                try {
                    worker.run(ctx);
                    reason = child.stopRequested ? ExitReason.SHUTDOWN : ExitReason.NORMAL;
                } catch (Throwable t) {
                    reason = child.stopRequested || t instanceof InterruptedException
                            ? ExitReason.SHUTDOWN : new ExitReason.Failure(t);
                }
                exit.complete(reason);
            });
            child.thread.start();
            return CompletableFuture.completedFuture(child);
        };
    }

    /** A service whose start runs on a virtual thread. */
    public static ChildStarter service(Service service) {
        return ctx -> {
            CompletableFuture<RunningChild> started = new CompletableFuture<>();
            CompletableFuture<ExitReason> exit = new CompletableFuture<>();
            Thread.ofVirtual().name("service-" + ctx.supervisor() + "/" + ctx.id()).start(() -> {
                try {
                    service.start(t -> exit.complete(new ExitReason.Failure(t)));
                    started.complete(new RunningChild() {
                        private volatile boolean stopping;

                        @Override public CompletionStage<ExitReason> exit() { return exit; }

                        @Override public void requestStop() {
                            if (stopping) return;
                            stopping = true;
                            Thread.ofVirtual().name("service-stop-" + ctx.id()).start(() -> {
                                try {
                                    service.stop();
                                    exit.complete(ExitReason.SHUTDOWN);
                                } catch (Throwable t) {
                                    exit.complete(new ExitReason.Failure(t));
                                }
                            });
                        }

                        @Override public boolean kill() { requestStop(); return false; }
                    });
                } catch (Throwable t) {
                    started.completeExceptionally(t);
                }
            });
            return started;
        };
    }

    /**
     * A nested supervisor: started when all its children are; its termination is its exit. A start given up
     * on (a start timeout, the parent's stop) stops the nested supervisor: what it started, and its start in
     * progress. The next start waits for that stop: the two trees' children would carry the same names and
     * incarnations (an OS process's tag), and the old stop would find the new tree's processes.
     */
    public static ChildStarter supervisor(SupervisorSpec spec) {
        AtomicReference<CompletableFuture<?>> lastGivenUp = new AtomicReference<>(CompletableFuture.completedFuture(null));
        return ctx -> {
            CompletableFuture<RunningChild> result = new CompletableFuture<>();
            lastGivenUp.get().handle((r, e) -> null).thenRun(() -> {
                if (result.isDone()) return;               // given up on before it began
                CompletableFuture<dev.supervision.Supervisor> started = new CompletableFuture<>();
                SupervisorRuntime nested = SupervisorRuntime.launch(spec, false, started);
                started.whenComplete((sup, e) -> {
                    if (e != null) result.completeExceptionally(e);
                    else result.complete(new SupervisorRuntime.NestedHandle() {
                        @Override public dev.supervision.Supervisor supervisor() { return sup; }

                        @Override public CompletionStage<ExitReason> exit() { return sup.termination(); }

                        @Override public void requestStop() { sup.stop(); }

                        @Override public boolean kill() { sup.stop(); return true; }
                    });
                });
                result.whenComplete((v, e) -> {
                    if (!result.isCancelled()) return;
                    CompletableFuture<ExitReason> stopped = nested.stop();
                    lastGivenUp.set(stopped);
                    SupervisorRuntime.GIVEN_UP_STOPS.add(stopped);
                    stopped.whenComplete((r, x) -> SupervisorRuntime.GIVEN_UP_STOPS.remove(stopped));
                });
            });
            return result;
        };
    }

    private static final class ThreadChild implements RunningChild {
        private final CompletableFuture<ExitReason> exit;
        volatile Thread thread;
        volatile boolean stopRequested;

        ThreadChild(CompletableFuture<ExitReason> exit) { this.exit = exit; }

        @Override public CompletionStage<ExitReason> exit() { return exit; }

        @Override public void requestStop() {
            stopRequested = true;
            thread.interrupt();
        }

        /** A thread cannot be killed: interrupt again and tell the supervisor it may not exit. */
        @Override public boolean kill() {
            requestStop();
            return false;
        }
    }
}
