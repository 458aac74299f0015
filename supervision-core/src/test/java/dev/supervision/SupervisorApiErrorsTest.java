package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every method of {@link Supervisor} fails exactly as its Javadoc says: the blocking ones throw the named
 * exception itself (not wrapped), the asynchronous ones complete exceptionally with it, each with its OTP code.
 */
class SupervisorApiErrorsTest {
    private final ManualScheduler clock = new ManualScheduler();
    private final TestChildren t = new TestChildren();
    private Supervisor sup;

    @AfterEach
    void stop() {
        if (sup != null) sup.stop(Duration.ofSeconds(10));
    }

    private SupervisorSpec.Builder spec(String name) {
        return SupervisorSpec.builder(name).scheduler(clock).shutdownHook(false);
    }

    /** The future fails with a SupervisorException of {@code code}, itself the cause seen by get(). */
    private static void failsWith(String code, Supplier<CompletableFuture<?>> call) {
        CompletableFuture<?> f = call.get();
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SupervisorException.class)
                .satisfies(e -> assertThat(((SupervisorException) e).code()).as(e.getMessage()).isEqualTo(code));
    }

    private static ChildSpec.Builder failing(String id) {
        return ChildSpec.builder(id, ctx -> CompletableFuture.failedFuture(new IllegalStateException("port taken")), ChildType.WORKER);
    }

    @Test
    void startThrowsTheSupervisorExceptionItselfAndStartAsyncCompletesWithIt() {
        assertThatThrownBy(() -> Supervisor.start(spec("s").child(failing("bad")).build()))
                .isExactlyInstanceOf(SupervisorException.class)
                .satisfies(e -> assertThat(((SupervisorException) e).code()).isEqualTo("start_failed"))
                .hasStackTraceContaining(SupervisorApiErrorsTest.class.getName())   // the caller's stack
                .cause().hasMessage("port taken");
        failsWith("start_failed", () -> Supervisor.startAsync(spec("s").child(failing("bad")).build()));
    }

    @Test
    void startChildFailsWithTheOtpCodes() {
        sup = Supervisor.start(spec("s").child(t.worker("a")).build());
        failsWith("already_started", () -> sup.startChild(t.worker("a")));
        failsWith("start_failed", () -> sup.startChild(failing("b")));
        sup.terminateChild("a").join();
        failsWith("already_present", () -> sup.startChild(t.worker("a")));
        CompletableFuture<ChildRef> invalid = sup.startChild(ChildSpec.worker("", ctx -> { }));
        assertThatThrownBy(() -> invalid.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalArgumentException.class);

        Supervisor dyn = Supervisor.start(SupervisorSpec.dynamic("d").scheduler(clock).shutdownHook(false).maxChildren(1).build());
        try {
            dyn.startChild(t.worker("w")).join();
            failsWith("max_children", () -> dyn.startChild(t.worker("w")));
            failsWith("simple_one_for_one", () -> dyn.terminateChild("w"));
            failsWith("simple_one_for_one", () -> dyn.restartChild("w"));
            failsWith("simple_one_for_one", () -> dyn.deleteChild("w"));
        } finally {
            dyn.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void childManagementByIdFailsWithTheOtpCodes() {
        sup = Supervisor.start(spec("s").intensity(10, Duration.ofSeconds(5)).child(t.worker("a"))
                .child(t.worker("slow").backoff(Backoff.fixed(Duration.ofMinutes(1)))).build());
        failsWith("not_found", () -> sup.terminateChild("nobody"));
        failsWith("not_found", () -> sup.restartChild("nobody"));
        failsWith("not_found", () -> sup.deleteChild("nobody"));
        failsWith("not_found", () -> sup.terminateChild(new ChildRef("s", "nobody")));
        failsWith("running", () -> sup.restartChild("a"));
        failsWith("running", () -> sup.deleteChild("a"));
        t.awaitStarts(sup, "slow", 1);
        t.crash("slow");                                       // waits a minute of the manual clock to restart
        org.awaitility.Awaitility.await().until(() -> TestChildren.info(sup, "slow").state() == ChildState.RESTARTING);
        failsWith("restarting", () -> sup.restartChild("slow"));
        failsWith("restarting", () -> sup.deleteChild("slow"));
    }

    @Test
    void everyCallToATerminatedSupervisorFailsWithTerminated() {
        Supervisor gone = Supervisor.start(spec("s").child(t.worker("a")).build());
        gone.stop().join();
        failsWith("terminated", () -> gone.startChild(t.worker("b")));
        failsWith("terminated", () -> gone.terminateChild("a"));
        failsWith("terminated", () -> gone.terminateChild(new ChildRef("s", "a")));
        failsWith("terminated", () -> gone.restartChild("a"));
        failsWith("terminated", () -> gone.deleteChild("a"));
        failsWith("terminated", gone::whichChildren);
        failsWith("terminated", gone::countChildren);
        // What never fails: the last snapshot, the stop, the termination, close.
        assertThat(gone.snapshot().join().running()).isFalse();
        assertThat(gone.stop().join()).isEqualTo(gone.termination().join());
        assertThat(gone.awaitTermination()).isInstanceOf(ExitReason.Shutdown.class);
        gone.close();
    }

    @Test
    void stopWithATimeoutThrowsTimeoutThenInterruptedAsItsJavadocSays() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Service stubborn = new Service() {
            @Override public void start(java.util.function.Consumer<Throwable> onFailure) { }

            @Override public void stop() throws InterruptedException {
                release.await();                              // a stop that takes until the test says so
            }
        };
        sup = Supervisor.start(SupervisorSpec.builder("s").shutdownHook(false)
                .child(ChildSpec.service("stubborn", stubborn).shutdown(Shutdown.infinity())).build());
        assertThatThrownBy(() -> sup.stop(Duration.ofMillis(50))).isExactlyInstanceOf(SupervisorException.class)
                .satisfies(e -> assertThat(((SupervisorException) e).code()).isEqualTo("timeout"))
                .hasMessage("supervisor 's' did not stop within 50 ms");
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> sup.stop(Duration.ofSeconds(10))).isExactlyInstanceOf(SupervisorException.class)
                    .satisfies(e -> assertThat(((SupervisorException) e).code()).isEqualTo("interrupted"));
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag is set again").isTrue();
        } finally {
            Thread.interrupted();
        }
        release.countDown();
        assertThat(sup.stop(Duration.ofSeconds(10))).isInstanceOf(ExitReason.Shutdown.class);
    }
}
