package dev.supervision;

import static dev.supervision.TestChildren.info;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SupervisorSemanticsTest {
    private final ManualScheduler clock = new ManualScheduler();
    private final TestChildren t = new TestChildren();
    private Supervisor sup;

    private SupervisorSpec.Builder spec(String name) {
        return SupervisorSpec.builder(name).scheduler(clock).shutdownHook(false).listener(t.events::add);
    }

    @AfterEach
    void stop() {
        if (sup != null) sup.stop(Duration.ofSeconds(10));
    }

    @Test
    void startsChildrenInOrderAndStopsThemInReverse() {
        sup = Supervisor.start(spec("s").child(t.worker("a")).child(t.worker("b")).child(t.worker("c")).build());
        await().until(() -> t.log.size() == 3);
        assertThat(t.log).containsExactly("start:a", "start:b", "start:c");
        sup.stop().join();
        assertThat(t.log.subList(3, 6)).containsExactly("stop:c", "stop:b", "stop:a");
    }

    @Test
    void failedStartStopsTheStartedChildrenInReverseAndFailsWithTheCause() {
        ChildSpec bad = ChildSpec.builder("bad", ctx -> CompletableFuture.failedFuture(new IllegalStateException("port taken")),
                ChildType.WORKER).build();
        assertThatThrownBy(() -> Supervisor.start(spec("s").child(t.worker("a")).child(t.worker("b")).child(bad)
                .child(t.worker("never")).build()))
                .isInstanceOf(SupervisorException.class).hasMessageContaining("'bad'").hasMessageContaining("port taken")
                .satisfies(e -> assertThat(((SupervisorException) e).code()).isEqualTo("start_failed"))
                .cause().isInstanceOf(IllegalStateException.class).hasMessage("port taken");
        assertThat(t.log).containsExactly("start:a", "start:b", "stop:b", "stop:a");
    }

    @Test
    void restartsOnlyTheFailedChildUnderOneForOne() {
        sup = Supervisor.start(spec("s").intensity(10, Duration.ofSeconds(5))
                .child(t.worker("a")).child(t.worker("b")).child(t.worker("c")).build());
        t.awaitStarts(sup, "c", 1);
        t.crash("b");
        t.awaitStarts(sup, "b", 2);
        assertThat(t.starts("a")).isEqualTo(1);
        assertThat(t.starts("c")).isEqualTo(1);
        assertThat(info(sup, "b").restarts()).isEqualTo(1);
        assertThat(info(sup, "b").lastExit()).get().isInstanceOf(ExitReason.Failure.class);
    }

    @Test
    void restartsAllChildrenUnderOneForAllStoppingOthersInReverse() {
        sup = Supervisor.start(spec("s").strategy(Strategy.ONE_FOR_ALL).intensity(10, Duration.ofSeconds(5))
                .child(t.worker("a")).child(t.worker("b")).child(t.worker("c")).build());
        t.awaitStarts(sup, "c", 1);
        t.clearLog();
        t.crash("b");
        t.awaitStarts(sup, "c", 2);
        assertThat(t.log).containsExactly("stop:b", "stop:c", "stop:a", "start:a", "start:b", "start:c");
    }

    @Test
    void restForOneRestartsTheFailedChildAndItsSuccessorsInOrder() {
        sup = Supervisor.start(spec("s").strategy(Strategy.REST_FOR_ONE).intensity(10, Duration.ofSeconds(5))
                .child(t.worker("a")).child(t.worker("b")).child(t.worker("c")).child(t.worker("d")).build());
        t.awaitStarts(sup, "d", 1);
        t.clearLog();
        t.crash("b");
        t.awaitStarts(sup, "d", 2);
        assertThat(t.log).containsExactly("stop:b", "stop:d", "stop:c", "start:b", "start:c", "start:d");
        assertThat(t.starts("a")).isEqualTo(1);
    }

    @Test
    void intensityExactlyAtTheLimitKeepsRestarting() {
        sup = Supervisor.start(spec("s").intensity(3, Duration.ofSeconds(5)).child(t.worker("a")).build());
        for (int i = 1; i <= 3; i++) {
            t.awaitStarts(sup, "a", i);
            clock.advance(Duration.ofSeconds(1));
            t.crash("a");
        }
        t.awaitStarts(sup, "a", 4);
        assertThat(sup.termination()).isNotDone();
    }

    @Test
    void intensityOneOverTheLimitShutsTheSupervisorDown() {
        sup = Supervisor.start(spec("s").intensity(3, Duration.ofSeconds(5)).child(t.worker("a")).child(t.worker("b")).build());
        for (int i = 1; i <= 4; i++) {
            t.awaitStarts(sup, "a", i);
            clock.advance(Duration.ofSeconds(1));
            t.crash("a");
        }
        ExitReason r = sup.termination().join();
        assertThat(r).isEqualTo(new ExitReason.Shutdown("reached_max_restart_intensity"));
        assertThat(t.events).anyMatch(e -> e instanceof SupervisorEvent.IntensityExceeded ie && ie.child().equals("a"));
        assertThat(t.log).endsWith("stop:b");
        sup = null;
    }

    @Test
    void restartsOlderThanThePeriodSlideOutOfTheWindow() {
        sup = Supervisor.start(spec("s").intensity(1, Duration.ofSeconds(5)).child(t.worker("a")).build());
        for (int i = 1; i <= 5; i++) {
            t.awaitStarts(sup, "a", i);
            clock.advance(Duration.ofSeconds(6));
            t.crash("a");
        }
        t.awaitStarts(sup, "a", 6);
        assertThat(sup.termination()).isNotDone();
    }

    @Test
    void escalatesThroughTwoLevels() {
        SupervisorSpec leaf = spec("leaf").intensity(0, Duration.ofSeconds(5)).child(t.worker("w")).build();
        SupervisorSpec mid = spec("mid").intensity(0, Duration.ofSeconds(5)).child(ChildSpec.supervisor(leaf)).build();
        sup = Supervisor.start(spec("root").intensity(0, Duration.ofSeconds(5))
                .child(ChildSpec.supervisor(mid)).child(t.worker("sibling")).build());
        t.awaitStarts(sup, "sibling", 1);
        t.crash("w");
        assertThat(sup.termination().join()).isEqualTo(new ExitReason.Shutdown("reached_max_restart_intensity"));
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.IntensityExceeded)
                .extracting(SupervisorEvent::supervisor).containsExactly("leaf", "mid", "root");
        sup = null;
    }

    @Test
    void transientChildIsRestartedOnlyAfterAFailure() {
        sup = Supervisor.start(spec("s").intensity(10, Duration.ofSeconds(5))
                .child(t.worker("a").restart(Restart.TRANSIENT)).build());
        t.awaitStarts(sup, "a", 1);
        t.crash("a");
        t.awaitStarts(sup, "a", 2);
        t.finish("a");
        await().until(() -> info(sup, "a").state() == ChildState.STOPPED);
        assertThat(t.starts("a")).isEqualTo(2);
        assertThat(info(sup, "a").lastExit()).contains(ExitReason.NORMAL);
    }

    @Test
    void temporaryChildIsNeverRestartedAndItsSpecIsDropped() {
        sup = Supervisor.start(spec("s").child(t.worker("a").restart(Restart.TEMPORARY)).child(t.worker("b")).build());
        t.awaitStarts(sup, "b", 1);
        t.crash("a");
        await().until(() -> sup.whichChildren().join().size() == 1);
        assertThat(t.starts("a")).isEqualTo(1);
        assertThat(sup.countChildren().join()).isEqualTo(new Supervisor.ChildCounts(1, 1, 0, 1));
    }

    @Test
    void anySignificantChildExitingShutsTheSupervisorDown() {
        sup = Supervisor.start(spec("s").autoShutdown(AutoShutdown.ANY_SIGNIFICANT)
                .child(t.worker("job").restart(Restart.TRANSIENT).significant(true)).child(t.worker("helper")).build());
        t.awaitStarts(sup, "helper", 1);
        t.finish("job");
        assertThat(sup.termination().join()).isEqualTo(new ExitReason.Shutdown("auto_shutdown"));
        sup = null;
    }

    @Test
    void allSignificantWaitsForTheLastSignificantChild() {
        sup = Supervisor.start(spec("s").autoShutdown(AutoShutdown.ALL_SIGNIFICANT)
                .child(t.worker("j1").restart(Restart.TRANSIENT).significant(true))
                .child(t.worker("j2").restart(Restart.TEMPORARY).significant(true)).build());
        t.awaitStarts(sup, "j2", 1);
        t.finish("j1");
        await().until(() -> info(sup, "j1").state() == ChildState.STOPPED);
        assertThat(sup.termination()).isNotDone();
        t.finish("j2");
        assertThat(sup.termination().join()).isEqualTo(new ExitReason.Shutdown("auto_shutdown"));
        sup = null;
    }

    /** OTP: do_auto_shutdown follows only exits the supervisor did not ask for (do_restart), not terminate_child. */
    @Test
    void terminatingASignificantChildOrFailingToStartOneDoesNotShutTheSupervisorDown() {
        sup = Supervisor.start(spec("s").autoShutdown(AutoShutdown.ANY_SIGNIFICANT)
                .child(t.worker("job").restart(Restart.TRANSIENT).significant(true)).child(t.worker("helper")).build());
        t.awaitStarts(sup, "helper", 1);
        sup.terminateChild("job").join();
        assertThatThrownBy(() -> sup.startChild(ChildSpec.builder("late", ctx -> CompletableFuture.failedFuture(
                new IllegalStateException("no")), ChildType.WORKER).restart(Restart.TEMPORARY).significant(true).build()).join())
                .hasMessageContaining("failed to start");
        assertThat(info(sup, "job").state()).isEqualTo(ChildState.STOPPED);
        assertThat(sup.termination()).isNotDone();
        assertThat(info(sup, "helper").state()).isEqualTo(ChildState.RUNNING);
    }

    @Test
    void dynamicChildrenRespectMaxChildrenAndGetTheirArgument() {
        sup = Supervisor.start(dynamic("pool").maxChildren(2).build());
        List<Object> args = new java.util.concurrent.CopyOnWriteArrayList<>();
        Worker w = ctx -> { args.add(ctx.argument()); Thread.currentThread().join(); };
        sup.startChild(ChildSpec.worker("w1", w).build(), "job-1").join();
        sup.startChild(ChildSpec.worker("w2", w).build(), "job-2").join();
        assertThatThrownBy(() -> sup.startChild(ChildSpec.worker("w3", w).build()).join())
                .cause().isInstanceOf(SupervisorException.class).hasMessageContaining("maxChildren=2");
        await().until(() -> args.size() == 2);
        assertThat(args).containsExactlyInAnyOrder("job-1", "job-2");
    }

    private SupervisorSpec.Builder dynamic(String name) {
        return SupervisorSpec.dynamic(name).scheduler(clock).shutdownHook(false).listener(t.events::add);
    }

    /** Elixir: max_children counts the children the supervisor has now; one that exits and is not restarted no longer counts. */
    @Test
    void dynamicSupervisorCountsOnlyTheChildrenItHasAgainstMaxChildren() {
        sup = Supervisor.start(dynamic("pool").maxChildren(2).build());
        ChildRef a = sup.startChild(t.worker("job").restart(Restart.TEMPORARY).build()).join();
        ChildRef b = sup.startChild(t.worker("job").restart(Restart.TRANSIENT).build()).join();
        assertThat(code(sup.startChild(t.worker("job").build()))).isEqualTo("max_children");
        t.crash(a.name());                                      // temporary: removed after any exit
        await().until(() -> sup.countChildren().join().specs() == 1);
        sup.startChild(t.worker("job").build()).join();         // room again
        t.finish(b.name());                                     // transient, normal exit: removed
        await().until(() -> sup.countChildren().join().specs() == 1);
        assertThat(sup.countChildren().join()).isEqualTo(new Supervisor.ChildCounts(1, 1, 0, 1));
        assertThat(sup.whichChildren().join()).extracting(c -> c.ref().name()).containsExactly("job#3");
    }

    /** Elixir: ids need not be unique; children are addressed by their handle, and terminate_child removes the child. */
    @Test
    void dynamicSupervisorTakesRepeatedIdsAndAddressesEachChildByItsRef() {
        sup = Supervisor.start(dynamic("pool").build());
        ChildRef first = sup.startChild(t.worker("w").build()).join();
        ChildRef second = sup.startChild(t.worker("w").build()).join();
        assertThat(first).isNotEqualTo(second);
        assertThat(first.name()).isEqualTo("w#1");
        assertThat(sup.whichChildren().join()).extracting(ChildInfo::id).containsExactly("w", "w");
        sup.terminateChild(first).join();
        assertThat(t.log).contains("stop:w#1").doesNotContain("stop:w#2");
        assertThat(sup.whichChildren().join()).extracting(ChildInfo::ref).containsExactly(second);
        assertThat(code(sup.terminateChild(first))).isEqualTo("not_found");
        assertThat(code(sup.terminateChild("w"))).isEqualTo("simple_one_for_one");
        assertThat(code(sup.restartChild("w#2"))).isEqualTo("simple_one_for_one");
        assertThat(code(sup.deleteChild("w#2"))).isEqualTo("simple_one_for_one");
    }

    @Test
    void dynamicSupervisorRestartsAPermanentChildUnderTheSameRefAndDropsAFatalOne() {
        sup = Supervisor.start(dynamic("pool").build());
        ChildRef w = sup.startChild(t.worker("w").build()).join();
        t.crash(w.name());
        t.awaitStarts(sup, w.name(), 2);
        assertThat(info(sup, w.name()).ref()).isEqualTo(w);
        ChildRef r = sup.startChild(remote("r").build()).join();
        remotes.get(r.name()).exit.complete(new ExitReason.Fatal(new IllegalArgumentException("bad flag")));
        await().until(() -> sup.countChildren().join().specs() == 1);
    }

    /** Elixir's DynamicSupervisor.init: max_restarts 3, max_seconds 5; a static supervisor keeps OTP's 1 in 5 s. */
    @Test
    void dynamicSupervisorDefaultsToElixirsThreeRestartsInFiveSeconds() {
        SupervisorSpec d = SupervisorSpec.dynamic("d").build();
        assertThat(d.intensity()).isEqualTo(3);
        assertThat(d.period()).isEqualTo(Duration.ofSeconds(5));
        assertThat(SupervisorSpec.builder("s").build().intensity()).isEqualTo(1);
        sup = Supervisor.start(dynamic("pool").build());
        ChildRef w = sup.startChild(t.worker("w").build()).join();
        for (int i = 1; i <= 3; i++) {
            t.awaitStarts(sup, w.name(), i);
            t.crash(w.name());
        }
        t.awaitStarts(sup, w.name(), 4);
        assertThat(sup.termination()).isNotDone();
        t.crash(w.name());
        assertThat(sup.termination().join()).isEqualTo(new ExitReason.Shutdown("reached_max_restart_intensity"));
        sup = null;
    }

    @Test
    void dynamicSupervisorStopsItsChildrenAllAtOnce() {
        java.util.concurrent.CountDownLatch bothAsked = new java.util.concurrent.CountDownLatch(2);
        Worker slow = ctx -> {
            try {
                Thread.currentThread().join();
            } catch (InterruptedException e) {
                bothAsked.countDown();
                bothAsked.await();              // exits only once the other child was asked to stop too
            }
        };
        sup = Supervisor.start(dynamic("pool").build());
        sup.startChild(ChildSpec.worker("a", slow).build()).join();
        sup.startChild(ChildSpec.worker("b", slow).build()).join();
        assertThat(sup.stop()).succeedsWithin(Duration.ofSeconds(10));
        sup = null;
    }

    @Test
    void aDynamicSpecRefusesStaticChildrenOtherStrategiesAndAutoShutdown() {
        assertThatThrownBy(() -> SupervisorSpec.dynamic("d").child(t.worker("a")).build())
                .hasMessageContaining("starts with no children");
        assertThatThrownBy(() -> SupervisorSpec.dynamic("d").strategy(Strategy.ONE_FOR_ALL).build())
                .hasMessageContaining("ONE_FOR_ONE, was ONE_FOR_ALL");
        assertThatThrownBy(() -> SupervisorSpec.dynamic("d").autoShutdown(AutoShutdown.ANY_SIGNIFICANT).build())
                .hasMessageContaining("no autoShutdown");
        assertThatThrownBy(() -> SupervisorSpec.builder("s").maxChildren(3).build())
                .hasMessageContaining("maxChildren=3 applies to a dynamic supervisor");
    }

    /** OTP's which_children answers in reverse start order; ours in start order (docs/semantics.md). */
    @Test
    void whichChildrenListsChildrenInStartOrderWithAddedChildrenLast() {
        sup = Supervisor.start(spec("s").child(t.worker("a")).child(t.worker("b")).build());
        sup.startChild(t.worker("c").build()).join();
        sup.startChild(t.worker("d").build()).join();
        assertThat(sup.whichChildren().join()).extracting(ChildInfo::id).containsExactly("a", "b", "c", "d");
    }

    /**
     * OTP (supervisor.erl): a child that fails to restart under one_for_all is retried through
     * {@code try_again_restart} → {@code restart(one_for_all, Child)}, which stops every child again, the ones
     * already restarted in that round included, and starts them all in order.
     */
    @Test
    void oneForAllRunsTheWholeStrategyAgainWhenAChildFailsToRestart() {
        java.util.concurrent.atomic.AtomicInteger dbStarts = new java.util.concurrent.atomic.AtomicInteger();
        var dbStarter = t.worker("db").build().starter();
        sup = Supervisor.start(spec("s").strategy(Strategy.ONE_FOR_ALL).intensity(10, Duration.ofSeconds(5))
                .child(t.worker("api"))
                .child(ChildSpec.builder("db", ctx -> {
                    if (dbStarts.incrementAndGet() != 2) return dbStarter.start(ctx);      // logs "start:db"
                    t.log.add("start:db");                     // the first restart fails, the next succeeds
                    return CompletableFuture.failedFuture(new IllegalStateException("disk busy"));
                }, ChildType.WORKER))
                .child(t.worker("cache")).build());
        t.awaitStarts(sup, "cache", 1);
        t.clearLog();
        t.crash("api");
        t.awaitStarts(sup, "cache", 2);
        assertThat(t.log).containsExactly("stop:api", "stop:cache", "stop:db", "start:api", "start:db",
                "stop:api", "start:api", "start:db", "start:cache");
        assertThat(t.starts("api")).isEqualTo(3);
        assertThat(info(sup, "db").restarts()).isEqualTo(1);
        assertThat(info(sup, "api").restarts()).isEqualTo(1);
    }

    /** OTP: init answers {stop, {shutdown, {failed_to_start_child, Id, Reason}}}. */
    @Test
    void aSupervisorWhoseChildFailsToStartTerminatesWithAShutdownNamingTheChild() {
        IllegalStateException cause = new IllegalStateException("port taken");
        CompletableFuture<Supervisor> start = Supervisor.startAsync(spec("s").child(t.worker("a"))
                .child(ChildSpec.builder("bad", ctx -> CompletableFuture.failedFuture(cause), ChildType.WORKER)).build());
        assertThat(start).failsWithin(Duration.ofSeconds(10));
        SupervisorEvent.SupervisorTerminated terminated = t.events.stream()
                .filter(e -> e instanceof SupervisorEvent.SupervisorTerminated).map(e -> (SupervisorEvent.SupervisorTerminated) e)
                .findFirst().orElseThrow();
        assertThat(terminated.reason()).isInstanceOfSatisfying(ExitReason.Shutdown.class, s -> {
            assertThat(s.detail()).isEqualTo("failed_to_start_child");
            assertThat(s.cause()).get().isInstanceOf(SupervisorException.class)
                    .satisfies(c -> assertThat(c.getMessage()).contains("'bad'"))
                    .satisfies(c -> assertThat(c.getCause()).isSameAs(cause));
        });
    }

    @Test
    void childManagementFollowsOtpErrorCases() {
        sup = Supervisor.start(spec("s").child(t.worker("a")).build());
        t.awaitStarts(sup, "a", 1);
        assertThat(code(sup.startChild(t.worker("a").build()))).isEqualTo("already_started");
        assertThat(code(sup.restartChild("a"))).isEqualTo("running");
        assertThat(code(sup.deleteChild("a"))).isEqualTo("running");
        assertThat(code(sup.terminateChild("zz"))).isEqualTo("not_found");
        sup.terminateChild("a").join();
        assertThat(info(sup, "a").state()).isEqualTo(ChildState.STOPPED);
        assertThat(code(sup.startChild(t.worker("a").build()))).isEqualTo("already_present");
        sup.restartChild("a").join();
        t.awaitStarts(sup, "a", 2);
        sup.terminateChild("a").join();
        sup.deleteChild("a").join();
        assertThat(sup.whichChildren().join()).isEmpty();
    }

    private static String code(CompletableFuture<?> f) {
        try {
            f.join();
            return "ok";
        } catch (CompletionException e) {
            return ((SupervisorException) e.getCause()).code();
        }
    }

    @Test
    void backoffDelaysRestartsOnTheClockAndResetsAfterStableUptime() {
        sup = Supervisor.start(spec("s").intensity(100, Duration.ofSeconds(5)).child(t.worker("a")
                .backoff(Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(8)).resetAfter(Duration.ofSeconds(30)))).build());
        long[] expected = {2, 4, 8, 8};
        for (int i = 0; i < expected.length; i++) {
            t.awaitStarts(sup, "a", i + 1);
            t.crash("a");
            int n = i;
            await().until(() -> info(sup, "a").state() == ChildState.RESTARTING && info(sup, "a").nextRestartIn().isPresent());
            assertThat(info(sup, "a").nextRestartIn()).contains(Duration.ofSeconds(expected[n]));
            clock.advance(Duration.ofSeconds(expected[n]).minusMillis(1));
            assertThat(t.starts("a")).isEqualTo(n + 1);
            clock.advance(Duration.ofMillis(1));
        }
        t.awaitStarts(sup, "a", 5);
        clock.advance(Duration.ofSeconds(30));
        t.crash("a");
        await().until(() -> info(sup, "a").nextRestartIn().isPresent());
        assertThat(info(sup, "a").nextRestartIn()).contains(Duration.ofSeconds(2));
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.RestartScheduled)
                .extracting(e -> ((SupervisorEvent.RestartScheduled) e).delay().toSeconds())
                .containsExactly(2L, 4L, 8L, 8L, 2L);
    }

    @Test
    void circuitBreakerOpensHalfOpensAndClosesInsteadOfEscalating() {
        sup = Supervisor.start(spec("s").intensity(1, Duration.ofSeconds(5))
                .giveUp(GiveUp.circuitBreaker(Duration.ofSeconds(60), Duration.ofSeconds(30)))
                .child(t.worker("llm")).child(t.worker("router")).build());
        t.awaitStarts(sup, "llm", 1);
        t.crash("llm");
        t.awaitStarts(sup, "llm", 2);
        t.crash("llm");
        await().until(() -> info(sup, "llm").circuit() == CircuitState.OPEN);
        assertThat(info(sup, "llm").state()).isEqualTo(ChildState.FAILED);
        assertThat(info(sup, "llm").nextRestartIn()).contains(Duration.ofSeconds(60));
        assertThat(info(sup, "router").state()).isEqualTo(ChildState.RUNNING);
        clock.advance(Duration.ofSeconds(60));
        t.awaitStarts(sup, "llm", 3);
        assertThat(info(sup, "llm").circuit()).isEqualTo(CircuitState.HALF_OPEN);
        t.crash("llm");                                             // the trial dies: open again
        await().until(() -> info(sup, "llm").circuit() == CircuitState.OPEN);
        clock.advance(Duration.ofSeconds(60));
        t.awaitStarts(sup, "llm", 4);
        clock.advance(Duration.ofSeconds(30));
        await().until(() -> info(sup, "llm").circuit() == CircuitState.CLOSED);
        assertThat(sup.termination()).isNotDone();
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.CircuitOpened).hasSize(2);
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.CircuitHalfOpen)
                .containsExactly(new SupervisorEvent.CircuitHalfOpen("s", "llm"), new SupervisorEvent.CircuitHalfOpen("s", "llm"));
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.CircuitClosed).hasSize(1);
    }

    /** OTP's {shutdown, Timeout}: a polite stop first, the forced one only when the timeout has passed. */
    @Test
    void aWorkerThatIgnoresThePoliteStopIsForcedAfterItsShutdownTimeout() {
        java.util.concurrent.atomic.AtomicInteger interrupts = new java.util.concurrent.atomic.AtomicInteger();
        Worker deaf = ctx -> {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    if (interrupts.incrementAndGet() == 2) return;   // the first (polite) one is ignored
                }
            }
        };
        sup = Supervisor.start(spec("s").child(ChildSpec.worker("deaf", deaf).shutdown(Shutdown.timeout(Duration.ofSeconds(5)))).build());
        CompletableFuture<ExitReason> stopped = sup.stop();
        await().until(() -> interrupts.get() == 1 && clock.pending() > 0);
        clock.advance(Duration.ofMillis(4999));
        assertThat(stopped).as("still within the shutdown timeout").isNotDone();
        assertThat(interrupts.get()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(stopped.join()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(interrupts.get()).isEqualTo(2);
        assertThat(t.events).noneMatch(e -> e instanceof SupervisorEvent.ChildAbandoned);
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.SupervisorTerminated)
                .containsExactly(new SupervisorEvent.SupervisorTerminated("s", ExitReason.SHUTDOWN));
        sup = null;
    }

    /** OTP's {shutdown, infinity}: the supervisor waits for the child however long it takes, and never forces it. */
    @Test
    void aChildWithInfiniteShutdownIsWaitedForAndNeverForced() {
        java.util.concurrent.atomic.AtomicInteger interrupts = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Worker slow = ctx -> {
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    interrupts.incrementAndGet();
                }
            }
        };
        sup = Supervisor.start(spec("s").child(ChildSpec.worker("flush", slow).shutdown(Shutdown.infinity())).build());
        CompletableFuture<ExitReason> stopped = sup.stop();
        await().until(() -> interrupts.get() == 1);
        clock.advance(Duration.ofDays(1));
        assertThat(stopped).isNotDone();
        assertThat(interrupts.get()).as("no forced stop follows").isEqualTo(1);
        release.countDown();
        assertThat(stopped.join()).isEqualTo(ExitReason.SHUTDOWN);
        sup = null;
    }

    @Test
    void startAsyncCompletesWithTheRunningSupervisorOnceEveryChildStarted() {
        CompletableFuture<Supervisor> starting = Supervisor.startAsync(spec("s").child(t.worker("a")).child(t.worker("b")).build());
        sup = starting.join();
        assertThat(t.log).containsExactly("start:a", "start:b");
        assertThat(sup.whichChildren().join()).extracting(ChildInfo::state).containsOnly(ChildState.RUNNING);
    }

    @Test
    void aListenerThatThrowsIsIgnoredAndTheTreeGoesOn() {
        List<SupervisorEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        sup = Supervisor.start(spec("s").intensity(5, Duration.ofSeconds(5))
                .listener(e -> { throw new IllegalStateException("listener bug"); })
                .listener(seen::add)
                .child(t.worker("a")).build());
        t.awaitStarts(sup, "a", 1);
        t.crash("a");
        t.awaitStarts(sup, "a", 2);
        assertThat(seen).anyMatch(e -> e instanceof SupervisorEvent.ChildExited);
        assertThat(seen).filteredOn(e -> e instanceof SupervisorEvent.ChildStarted).hasSize(2);
        assertThat(sup.termination()).isNotDone();
    }

    /** OTP: a supervisor stops its children in reverse start order, a nested supervisor its own before it ends. */
    @Test
    void aStopGoesDepthFirstInReverseOrderThroughNestedSupervisors() {
        sup = Supervisor.start(spec("root").child(t.worker("a"))
                .child(ChildSpec.supervisor(SupervisorSpec.builder("mid").scheduler(clock).child(t.worker("b")).child(t.worker("c")).build()))
                .child(t.worker("d")).build());
        await().until(() -> t.log.size() == 4);
        assertThat(t.log).containsExactly("start:a", "start:b", "start:c", "start:d");
        t.clearLog();
        sup.stop().join();
        assertThat(t.log).containsExactly("stop:d", "stop:c", "stop:b", "stop:a");
        sup = null;
    }

    @Test
    void circuitBreakerIsolatesAChildThatFailsToRestartAndStillStartsTheRestOfItsGroup() {
        java.util.concurrent.atomic.AtomicBoolean failDb = new java.util.concurrent.atomic.AtomicBoolean();
        var dbStarter = t.worker("db").build().starter();
        sup = Supervisor.start(spec("s").strategy(Strategy.ONE_FOR_ALL).intensity(1, Duration.ofSeconds(5))
                .giveUp(GiveUp.circuitBreaker(Duration.ofSeconds(60), Duration.ofSeconds(30)))
                .child(t.worker("api"))
                .child(ChildSpec.builder("db", ctx -> failDb.get()
                        ? CompletableFuture.failedFuture(new IllegalStateException("disk full")) : dbStarter.start(ctx), ChildType.WORKER))
                .child(t.worker("cache")).build());
        t.awaitStarts(sup, "cache", 1);
        failDb.set(true);
        t.crash("api");            // restart 1 (within intensity); db's restart fails: restart 2 opens db's circuit
        t.awaitStarts(sup, "cache", 2);
        assertThat(info(sup, "db").circuit()).isEqualTo(CircuitState.OPEN);
        assertThat(info(sup, "db").state()).isEqualTo(ChildState.FAILED);
        assertThat(info(sup, "api").state()).isEqualTo(ChildState.RUNNING);
        assertThat(sup.termination()).isNotDone();
        failDb.set(false);
        clock.advance(Duration.ofSeconds(60));                      // half-open trial succeeds
        await().until(() -> info(sup, "db").state() == ChildState.RUNNING);
    }

    @Test
    void aRestartFailingWithAFatalStartErrorIsNotRetriedNorCountedAndTheRestOfTheGroupStarts() {
        java.util.concurrent.atomic.AtomicBoolean failDb = new java.util.concurrent.atomic.AtomicBoolean();
        var dbStarter = t.worker("db").build().starter();
        sup = Supervisor.start(spec("s").strategy(Strategy.ONE_FOR_ALL).intensity(1, Duration.ofSeconds(5))
                .child(t.worker("api"))
                .child(ChildSpec.builder("db", ctx -> failDb.get()
                        ? CompletableFuture.failedFuture(new FatalStartException("model file missing", null)) : dbStarter.start(ctx), ChildType.WORKER))
                .child(t.worker("cache")).build());
        t.awaitStarts(sup, "cache", 1);
        failDb.set(true);
        t.crash("api");            // restart 1 (the intensity's whole budget); db's fatal start is not a second
        t.awaitStarts(sup, "cache", 2);
        assertThat(info(sup, "db").state()).isEqualTo(ChildState.FAILED);
        assertThat(info(sup, "api").state()).isEqualTo(ChildState.RUNNING);
        assertThat(sup.termination()).isNotDone();
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.StartFailed).hasSize(1);
        failDb.set(false);
        sup.restartChild("db").join();                                // an explicit restart tries again
        assertThat(info(sup, "db").state()).isEqualTo(ChildState.RUNNING);
    }

    /** Children whose exits the test decides; the latest incarnation of each id is kept. */
    private final java.util.Map<String, SupervisorConcurrencyTest.Remote> remotes = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Integer> remoteStarts = new java.util.concurrent.ConcurrentHashMap<>();

    private ChildSpec.Builder remote(String id) {
        return ChildSpec.builder(id, ctx -> {
            var r = new SupervisorConcurrencyTest.Remote();
            remotes.put(ctx.id(), r);
            remoteStarts.merge(ctx.id(), 1, Integer::sum);
            return CompletableFuture.completedFuture(r);
        }, ChildType.WORKER);
    }

    @Test
    void restartNowExitRestartsAtOnceWithoutBackoffAndIsNotCounted() {
        sup = Supervisor.start(spec("s").intensity(0, Duration.ofSeconds(5))     // any counted restart gives up
                .child(remote("server").backoff(new Backoff.Fixed(Duration.ofSeconds(10)))).build());
        for (int i = 1; i <= 5; i++) {
            int starts = i;
            remotes.get("server").exit.complete(new ExitReason.RestartNow("exit code 42"));
            await().until(() -> remoteStarts.get("server") == starts + 1 && info(sup, "server").state() == ChildState.RUNNING);
        }
        assertThat(info(sup, "server").restarts()).isEqualTo(5);
        assertThat(info(sup, "server").lastExit()).contains(new ExitReason.RestartNow("exit code 42"));
        assertThat(sup.termination()).isNotDone();
        assertThat(clock.pending()).isZero();                                    // no backoff timer
    }

    @Test
    void fatalExitIsNeverRestartedMarksTheChildFailedAndLeavesSiblingsAlone() {
        sup = Supervisor.start(spec("s").strategy(Strategy.ONE_FOR_ALL).intensity(0, Duration.ofSeconds(5))
                .child(remote("trainer")).child(remote("exporter")).build());
        IllegalArgumentException cause = new IllegalArgumentException("unknown flag --foo");
        remotes.get("trainer").exit.complete(new ExitReason.Fatal(cause));
        await().until(() -> info(sup, "trainer").state() == ChildState.FAILED);
        assertThat(info(sup, "trainer").lastExit()).contains(new ExitReason.Fatal(cause));
        assertThat(info(sup, "exporter").state()).isEqualTo(ChildState.RUNNING);
        assertThat(remoteStarts).containsEntry("trainer", 1).containsEntry("exporter", 1);
        assertThat(sup.termination()).isNotDone();
        sup.restartChild("trainer").join();                                      // an operator may retry by hand
        assertThat(info(sup, "trainer").state()).isEqualTo(ChildState.RUNNING);
    }

    @Test
    void childDetailsAndIncarnationAppearInInfoAndRender() {
        sup = Supervisor.start(spec("s").child(ChildSpec.builder("proc", ctx -> CompletableFuture.completedFuture(
                new SupervisorConcurrencyTest.Remote() {
                    @Override public java.util.Optional<ChildDetails> details() {
                        return java.util.Optional.of(() -> "pid=4242 incarnation=" + ctx.incarnation());
                    }
                }), ChildType.WORKER)).build());
        ChildInfo info = info(sup, "proc");
        assertThat(info.incarnation()).isEqualTo(1);
        assertThat(info.details()).map(ChildDetails::summary).contains("pid=4242 incarnation=1");
        assertThat(sup.snapshot().join().render()).contains("- proc RUNNING restarts=0 pid=4242 incarnation=1");
    }

    @Test
    void noticesAChildReportsReachListenersInOrder() {
        record Note(String describe) implements ChildNotice {}
        sup = Supervisor.start(spec("s").child(ChildSpec.builder("proc", ctx -> {
            ctx.notify(new Note("orphans cleaned: 0"));
            ctx.notify(new Note("ready"));
            return CompletableFuture.completedFuture(new SupervisorConcurrencyTest.Remote());
        }, ChildType.WORKER)).build());
        await().until(() -> t.events.stream().filter(e -> e instanceof SupervisorEvent.ChildNoticed).count() == 2);
        assertThat(t.events).filteredOn(e -> e instanceof SupervisorEvent.ChildNoticed)
                .extracting(e -> ((SupervisorEvent.ChildNoticed) e).notice().describe())
                .containsExactly("orphans cleaned: 0", "ready");
    }

    /** Regression: a start that completed before the supervisor registered for it overtook the child's notices. */
    @Test
    void aChildsNoticesComeBeforeItsStartEvenWhenTheStartCompletedAtOnce() {
        record Note(String describe) implements ChildNotice {}
        for (int i = 0; i < 200; i++) {
            String id = "c" + i;
            CompletableFuture<Void> noticed = new CompletableFuture<>();
            if (sup == null) sup = Supervisor.start(spec("s").build());
            sup.startChild(ChildSpec.builder(id, ctx -> {
                CompletableFuture<dev.supervision.spi.RunningChild> done = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    ctx.notify(new Note("launched " + id));                   // through the mailbox
                    done.complete(new SupervisorConcurrencyTest.Remote());
                    noticed.complete(null);
                });
                noticed.join();                                               // complete before start() returns
                return done;
            }, ChildType.WORKER).build()).join();
        }
        List<String> order = t.events.stream()
                .filter(e -> e instanceof SupervisorEvent.ChildNoticed || e instanceof SupervisorEvent.ChildStarted)
                .map(e -> e instanceof SupervisorEvent.ChildNoticed n ? n.notice().describe() : "started " + ((SupervisorEvent.ChildStarted) e).child())
                .toList();
        for (int i = 0; i < 200; i++) {
            assertThat(order.indexOf("launched c" + i)).as("c%d", i).isLessThan(order.indexOf("started c" + i)).isNotNegative();
        }
    }

    @Test
    void aChildIgnoringInterruptsIsReportedAbandonedAndDoesNotHangTheStop() {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Worker stubborn = ctx -> {
            while (release.getCount() > 0) {
                try {
                    release.await();                      // the behaviour under test: swallow every interrupt
                } catch (InterruptedException ignored) {
                    // deliberately ignored
                }
            }
        };
        sup = Supervisor.start(spec("s").child(ChildSpec.worker("stubborn", stubborn).shutdown(Shutdown.brutalKill())).build());
        CompletableFuture<ExitReason> stopped = sup.stop();
        await().until(() -> clock.pending() > 0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(stopped.join()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(t.events).anyMatch(e -> e instanceof SupervisorEvent.ChildAbandoned a && a.child().equals("stubborn"));
        release.countDown();
        sup = null;
    }

    @Test
    void aSlowStartDoesNotFreezeQueriesOrStopAndTimesOut() {
        CompletableFuture<dev.supervision.spi.RunningChild> never = new CompletableFuture<>();
        sup = Supervisor.start(spec("s").build());
        CompletableFuture<ChildRef> adding = sup.startChild(ChildSpec.builder("slow", ctx -> never, ChildType.WORKER)
                .startTimeout(Duration.ofMinutes(5)).build());
        await().until(() -> sup.whichChildren().join().stream().anyMatch(c -> c.state() == ChildState.STARTING));
        assertThat(sup.countChildren().join().specs()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(5));
        assertThatThrownBy(adding::join).hasMessageContaining("did not start within 5 min");
        assertThat(never).isCancelled();
    }

    /** A start that can say what it waits for is named in its timeout, and shows its details while STARTING. */
    @Test
    void aStartThatSaysWhatItWaitsForIsShownWhileStartingAndNamedInItsTimeout() {
        final class Waiting extends CompletableFuture<dev.supervision.spi.RunningChild> implements dev.supervision.spi.StartProgress {
            @Override public String waitingFor() { return "readiness http://127.0.0.1:8000/health, last: connection refused"; }

            @Override public java.util.Optional<ChildDetails> details() { return java.util.Optional.of(() -> "pid=4242 not ready"); }
        }
        Waiting start = new Waiting();
        sup = Supervisor.start(spec("s").build());
        CompletableFuture<ChildRef> adding = sup.startChild(ChildSpec.builder("llm", ctx -> start, ChildType.WORKER)
                .startTimeout(Duration.ofMinutes(5)).build());
        await().until(() -> info(sup, "llm").state() == ChildState.STARTING);
        assertThat(info(sup, "llm").details()).map(ChildDetails::summary).contains("pid=4242 not ready");
        clock.advance(Duration.ofMinutes(5));
        assertThatThrownBy(adding::join).hasMessageContaining("child 'llm' did not start within 5 min; it was waiting for readiness"
                + " http://127.0.0.1:8000/health, last: connection refused");
    }

    @Test
    void snapshotRendersTheTree() {
        sup = Supervisor.start(spec("root").child(t.worker("a"))
                .child(ChildSpec.supervisor(spec("sub").child(t.worker("b")).build())).build());
        t.awaitStarts(sup, "a", 1);
        await().until(() -> t.starts("b") == 1);
        String text = sup.snapshot().join().render();
        assertThat(text).contains("root [ONE_FOR_ONE]").contains("  - a RUNNING").contains("    sub [ONE_FOR_ONE]")
                .contains("      - b RUNNING");
    }

    @Test
    void serviceIsStartedRestartedAfterReportingAFailureAndStoppedPolitely() {
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<Throwable>> fail = new java.util.concurrent.atomic.AtomicReference<>();
        Service http = new Service() {
            @Override public void start(java.util.function.Consumer<Throwable> onFailure) {
                calls.add("start");
                fail.set(onFailure);
            }

            @Override public void stop() { calls.add("stop"); }
        };
        sup = Supervisor.start(spec("s").child(ChildSpec.service("http", http)).build());
        assertThat(info(sup, "http").state()).isEqualTo(ChildState.RUNNING);
        fail.get().accept(new java.io.IOException("socket closed"));
        await().until(() -> calls.size() == 2 && info(sup, "http").state() == ChildState.RUNNING);
        assertThat(info(sup, "http").lastExit()).get().asString().contains("socket closed");
        sup.stop().join();
        assertThat(calls).containsExactly("start", "start", "stop");
        sup = null;
    }
}
