package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.supervision.spi.RunningChild;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of crashes, normal exits, API calls and clock advances run against a real
 * supervisor and against {@link Model}, a small executable statement of the OTP rules (plus our
 * backoff); after every step the supervisor's observable state (each child's id, state and restart
 * count, in order; whether it terminated) must equal the model's, and every API call must answer
 * what the model answers.
 *
 * <p>Reproduce a failure with the seed it prints: {@code -Dsupervision.model.seed=<seed>}; change the
 * number of sequences with {@code -Dsupervision.model.sequences=<n>} (default 2,000).
 */
class SupervisorModelTest {
    private static final Duration BACKOFF = Duration.ofMillis(100);

    /** A child whose exit the test triggers; a stop request makes it exit at once. */
    static final class Remote implements RunningChild {
        final CompletableFuture<ExitReason> exit = new CompletableFuture<>();

        @Override public CompletionStage<ExitReason> exit() { return exit; }

        @Override public void requestStop() { exit.complete(ExitReason.SHUTDOWN); }

        @Override public boolean kill() { exit.complete(ExitReason.SHUTDOWN); return true; }
    }

    /** What is observed of one child. */
    record Seen(String id, ChildState state, int restarts) {}

    @Test
    void supervisorBehavesLikeTheOtpModelOnRandomSequences() {
        long seed = Long.getLong("supervision.model.seed", System.nanoTime());
        int sequences = Integer.getInteger("supervision.model.sequences", 2_000);
        System.out.println("SupervisorModelTest: seed=" + seed + " sequences=" + sequences
                + " (reproduce with -Dsupervision.model.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int i = 0; i < sequences; i++) {
            long sequenceSeed = random.nextLong();
            runSequence(sequenceSeed, "seed=" + seed + " sequence=" + i + " sequenceSeed=" + sequenceSeed);
        }
    }

    private void runSequence(long sequenceSeed, String label) {
        Random r = new Random(sequenceSeed);
        Strategy strategy = Strategy.values()[r.nextInt(3)];
        int intensity = r.nextInt(5);
        Duration period = r.nextBoolean() ? Duration.ofSeconds(1) : Duration.ofSeconds(5);
        boolean backoff = r.nextBoolean();
        ManualScheduler clock = new ManualScheduler();
        Map<String, Remote> running = new ConcurrentHashMap<>();
        Model model = new Model(strategy, intensity, period.toNanos(), backoff ? BACKOFF.toNanos() : 0);
        List<String> history = new ArrayList<>();
        history.add("strategy=" + strategy + " intensity=" + intensity + " period=" + period + " backoff=" + backoff);

        SupervisorSpec.Builder b = SupervisorSpec.builder("model").strategy(strategy).intensity(intensity, period)
                .scheduler(clock).shutdownHook(false);
        int initial = 1 + r.nextInt(4);
        int nextId = 0;
        for (int i = 0; i < initial; i++) {
            String id = "c" + nextId++;
            Restart restart = Restart.values()[r.nextInt(3)];
            b.child(spec(id, restart, backoff, running));
            model.add(id, restart);
            history.add("initial " + id + " " + restart);
        }
        Supervisor sup = Supervisor.start(b.build());
        try {
            check(sup, model, label, history);
            int steps = 20 + r.nextInt(40);
            for (int step = 0; step < steps && !model.terminated; step++) {
                List<String> ids = model.ids();
                String anyId = ids.isEmpty() || r.nextInt(8) == 0 ? "c" + r.nextInt(nextId + 1) : ids.get(r.nextInt(ids.size()));
                int op = r.nextInt(100);
                if (op < 30) {
                    boolean failure = op < 22;
                    Remote child = running.get(anyId);
                    if (child == null || !model.isRunning(anyId)) continue;
                    history.add((failure ? "crash " : "exit ") + anyId);
                    running.remove(anyId);
                    child.exit.complete(failure ? new ExitReason.Failure(new IllegalStateException("crash")) : ExitReason.NORMAL);
                    model.exit(anyId, failure);
                } else if (op < 50) {
                    Duration d = List.of(Duration.ofMillis(10), Duration.ofMillis(60), Duration.ofMillis(100),
                            Duration.ofSeconds(1), Duration.ofSeconds(3)).get(r.nextInt(5));
                    history.add("advance " + d.toMillis() + "ms");
                    clock.advance(d);
                    model.advance(d.toNanos());
                } else if (op < 62) {
                    history.add("terminateChild " + anyId);
                    expect(history, label, () -> sup.terminateChild(anyId), model.terminateChild(anyId));
                } else if (op < 74) {
                    history.add("restartChild " + anyId);
                    expect(history, label, () -> sup.restartChild(anyId), model.restartChild(anyId));
                } else if (op < 84) {
                    history.add("deleteChild " + anyId);
                    expect(history, label, () -> sup.deleteChild(anyId), model.deleteChild(anyId));
                } else {
                    String id = r.nextInt(4) == 0 && !ids.isEmpty() ? anyId : "c" + nextId++;
                    Restart restart = Restart.values()[r.nextInt(3)];
                    history.add("startChild " + id + " " + restart);
                    expect(history, label, () -> sup.startChild(spec(id, restart, backoff, running).build()),
                            model.startChild(id, restart));
                }
                check(sup, model, label, history);
            }
            if (model.terminated) {
                ExitReason reason;
                try {
                    reason = sup.termination().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
                } catch (CompletionException e) {
                    throw new AssertionError(label + ": the model gave up (intensity exceeded), the supervisor did not terminate\n"
                            + String.join("\n", history), e);
                }
                assertThat(reason).as("%s%n%s", label, String.join("\n", history))
                        .isEqualTo(new ExitReason.Shutdown("reached_max_restart_intensity"));
            }
        } finally {
            sup.stop(Duration.ofSeconds(5));
        }
        assertThat(running.values()).as("%s: every child stopped%n%s", label, String.join("\n", history))
                .allMatch(c -> c.exit.isDone());
    }

    private static ChildSpec.Builder spec(String id, Restart restart, boolean backoff, Map<String, Remote> running) {
        ChildSpec.Builder b = ChildSpec.builder(id, ctx -> {
            Remote child = new Remote();
            running.put(id, child);
            return CompletableFuture.completedFuture(child);
        }, ChildType.WORKER).restart(restart);
        return backoff ? b.backoff(new Backoff.Fixed(BACKOFF)) : b;
    }

    /** Runs an API call and checks that it answers as the model does: {@code null} = success, else an error code. */
    private static void expect(List<String> history, String label, Supplier<CompletableFuture<Void>> call, String expectedCode) {
        String actual;
        try {
            call.get().orTimeout(5, TimeUnit.SECONDS).join();
            actual = null;
        } catch (CompletionException e) {
            actual = e.getCause() instanceof SupervisorException se ? se.code() : e.getCause().toString();
        }
        history.add("  -> " + (actual == null ? "ok" : actual));
        if (!java.util.Objects.equals(actual, expectedCode)) {
            fail("%s: call answered %s, model expects %s%n%s", label, actual == null ? "ok" : actual,
                    expectedCode == null ? "ok" : expectedCode, String.join("\n", history));
        }
    }

    private static void check(Supervisor sup, Model model, String label, List<String> history) {
        if (model.terminated) return;
        List<Seen> expected = model.seen();
        Supplier<List<Seen>> observed = () -> sup.whichChildren().join().stream()
                .map(c -> new Seen(c.id(), c.state(), c.restarts())).toList();
        if (observed.get().equals(expected)) return;   // the usual case: no need to poll
        try {
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).until(() -> observed.get().equals(expected));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("%s: state differs from the model%n  model:    %s%n  observed: %s%nhistory:%n%s",
                    label, expected, observed.get(), String.join("\n", history));
        }
    }

    /**
     * The rules, written as plainly as possible: OTP's supervisor (restart types, strategies, the
     * sliding intensity window, escalation, the child API and its errors) plus a fixed backoff delay
     * that starts a group restart when the trigger's timer falls due.
     */
    static final class Model {
        final Strategy strategy;
        final int intensity;
        final long period;
        final long delay;
        final List<Child> children = new ArrayList<>();
        final List<Long> restartTimes = new ArrayList<>();
        final List<Timer> timers = new ArrayList<>();
        long now;
        long timerSeq;
        boolean terminated;

        Model(Strategy strategy, int intensity, long period, long delay) {
            this.strategy = strategy;
            this.intensity = intensity;
            this.period = period;
            this.delay = delay;
        }

        static final class Child {
            final String id;
            final Restart restart;
            boolean running;
            ChildState state = ChildState.STOPPED;
            int restarts;
            Child scheduledBy;

            Child(String id, Restart restart) {
                this.id = id;
                this.restart = restart;
            }
        }

        record Timer(long at, long seq, Child trigger, List<Child> group) {}

        void add(String id, Restart restart) {
            Child c = new Child(id, restart);
            children.add(c);
            start(c);
        }

        List<String> ids() { return children.stream().map(c -> c.id).toList(); }

        boolean isRunning(String id) { Child c = find(id); return c != null && c.running; }

        List<Seen> seen() { return children.stream().map(c -> new Seen(c.id, c.state, c.restarts)).toList(); }

        private Child find(String id) {
            for (Child c : children) if (c.id.equals(id)) return c;
            return null;
        }

        private void start(Child c) {
            cancelTimer(c);
            c.scheduledBy = null;
            c.running = true;
            c.state = ChildState.RUNNING;
        }

        private void stop(Child c) {
            if (cancelTimer(c)) {
                for (Child x : children) {
                    if (x.scheduledBy == c && !x.running) {
                        x.scheduledBy = null;
                        if (x.state == ChildState.RESTARTING) x.state = ChildState.STOPPED;
                    }
                }
            }
            c.scheduledBy = null;
            c.running = false;
            c.state = ChildState.STOPPED;
        }

        private boolean cancelTimer(Child c) { return timers.removeIf(t -> t.trigger == c); }

        void exit(String id, boolean failure) {
            Child c = find(id);
            c.running = false;
            boolean restart = c.restart == Restart.PERMANENT || (c.restart == Restart.TRANSIENT && failure);
            if (!restart) {
                c.state = ChildState.STOPPED;
                if (c.restart == Restart.TEMPORARY) children.remove(c);
                return;
            }
            // OTP add_restart: restarts within [now - period, now] count; more than intensity gives up.
            restartTimes.removeIf(t -> t < now - period);
            restartTimes.add(now);
            if (restartTimes.size() > intensity) {
                terminated = true;
                return;
            }
            int at = children.indexOf(c);
            List<Child> group = switch (strategy) {
                case ONE_FOR_ONE -> List.of(c);
                case ONE_FOR_ALL -> new ArrayList<>(children);
                case REST_FOR_ONE -> new ArrayList<>(children.subList(at, children.size()));
            };
            List<Child> others = new ArrayList<>(group);
            others.remove(c);
            for (int i = others.size() - 1; i >= 0; i--) stop(others.get(i));
            for (Child o : others) if (o.restart == Restart.TEMPORARY) children.remove(o);
            List<Child> toStart = new ArrayList<>(group);
            toStart.removeIf(g -> !children.contains(g));
            c.restarts++;
            for (Child g : toStart) {
                g.state = ChildState.RESTARTING;
                g.scheduledBy = c;
            }
            if (delay == 0) {
                startGroup(c, toStart);
            } else {
                timers.add(new Timer(now + delay, timerSeq++, c, toStart));
            }
        }

        private void startGroup(Child trigger, List<Child> group) {
            for (Child g : group) {
                if (children.contains(g) && !g.running && g.scheduledBy == trigger) start(g);
            }
        }

        void advance(long d) {
            long target = now + d;
            while (true) {
                Timer next = timers.stream().filter(t -> t.at <= target)
                        .min(Comparator.comparingLong(Timer::at).thenComparingLong(Timer::seq)).orElse(null);
                if (next == null) break;
                timers.remove(next);
                now = next.at;
                startGroup(next.trigger, next.group);
            }
            now = target;
        }

        String terminateChild(String id) {
            Child c = find(id);
            if (c == null) return "not_found";
            stop(c);
            if (c.restart == Restart.TEMPORARY) children.remove(c);
            return null;
        }

        String restartChild(String id) {
            Child c = find(id);
            if (c == null) return "not_found";
            if (c.running) return "running";
            if (c.state == ChildState.RESTARTING) return "restarting";
            start(c);
            return null;
        }

        String deleteChild(String id) {
            Child c = find(id);
            if (c == null) return "not_found";
            if (c.running) return "running";
            if (c.state == ChildState.RESTARTING) return "restarting";
            children.remove(c);
            return null;
        }

        String startChild(String id, Restart restart) {
            Child c = find(id);
            if (c != null) return c.running ? "already_started" : "already_present";
            add(id, restart);
            return null;
        }
    }
}
