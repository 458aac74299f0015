package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.supervision.spi.RunningChild;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of crashes, normal exits, starts that fail, API calls and clock advances run against a
 * real supervisor and against {@link Model}, a small executable statement of the OTP rules (a static
 * supervisor: OTP's {@code supervisor}) or of Elixir's (a dynamic supervisor: {@code DynamicSupervisor}),
 * plus our backoff. After every step the supervisor's observable state (each child's name, state and
 * restart count, in order; the counts; whether it terminated) must equal the model's, and every API call
 * must answer what the model answers.
 *
 * <p>What the model states, beyond the plain strategies: a restart whose start fails counts as a restart
 * and runs the strategy again for the child that failed (OTP's {@code try_again_restart}: under
 * ONE_FOR_ALL the children already restarted in that round are stopped and started again); a dynamic
 * supervisor removes every child it does not restart, counts only the children it has against
 * {@code maxChildren}, takes repeated ids and answers {@code simple_one_for_one} to calls by id.
 *
 * <p>Reproduce a failure with the seed it prints: {@code -Dsupervision.model.seed=<seed>}; change the
 * number of sequences with {@code -Dsupervision.model.sequences=<n>} (default 2,000 of each kind).
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
    record Seen(String name, ChildState state, int restarts) {}

    @Test
    void staticSupervisorBehavesLikeOtpOnRandomSequences() {
        runMany(false);
    }

    @Test
    void dynamicSupervisorBehavesLikeElixirsOnRandomSequences() {
        runMany(true);
    }

    private void runMany(boolean dynamic) {
        long seed = Long.getLong("supervision.model.seed", System.nanoTime());
        int sequences = Integer.getInteger("supervision.model.sequences", 2_000);
        System.out.println("SupervisorModelTest (" + (dynamic ? "dynamic" : "static") + "): seed=" + seed
                + " sequences=" + sequences + " (reproduce with -Dsupervision.model.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int i = 0; i < sequences; i++) {
            long sequenceSeed = random.nextLong();
            new Sequence(dynamic, sequenceSeed, "seed=" + seed + " sequence=" + i + " sequenceSeed=" + sequenceSeed).run();
        }
    }

    /** One random sequence against one supervisor and its model. */
    private static final class Sequence {
        final boolean dynamic;
        final Random r;
        final String label;
        final ManualScheduler clock = new ManualScheduler();
        /** The running incarnation of each child, by name. */
        final Map<String, Remote> running = new ConcurrentHashMap<>();
        /** Names whose next start fails (read by the children's start functions). */
        final Set<String> failing = ConcurrentHashMap.newKeySet();
        final List<String> history = new ArrayList<>();
        final boolean backoff;
        Model model;
        int nextId;

        Sequence(boolean dynamic, long seed, String label) {
            this.dynamic = dynamic;
            this.r = new Random(seed);
            this.label = label;
            this.backoff = r.nextBoolean();
        }

        void run() {
            Strategy strategy = dynamic ? Strategy.ONE_FOR_ONE : Strategy.values()[r.nextInt(3)];
            int intensity = r.nextInt(5);
            Duration period = r.nextBoolean() ? Duration.ofSeconds(1) : Duration.ofSeconds(5);
            int maxChildren = dynamic && r.nextBoolean() ? 1 + r.nextInt(5) : Integer.MAX_VALUE;
            model = new Model(dynamic, strategy, intensity, period.toNanos(), backoff ? BACKOFF.toNanos() : 0, maxChildren);
            history.add((dynamic ? "dynamic" : "static") + " strategy=" + strategy + " intensity=" + intensity
                    + " period=" + period + " backoff=" + backoff + " maxChildren=" + maxChildren);

            SupervisorSpec.Builder b = (dynamic ? SupervisorSpec.dynamic("model") : SupervisorSpec.builder("model"))
                    .strategy(strategy).intensity(intensity, period).scheduler(clock).shutdownHook(false);
            if (dynamic) {
                if (maxChildren != Integer.MAX_VALUE) b.maxChildren(maxChildren);
            } else {
                int initial = 1 + r.nextInt(4);
                for (int i = 0; i < initial; i++) {
                    String id = "c" + nextId++;
                    Restart restart = Restart.values()[r.nextInt(3)];
                    b.child(spec(id, restart));
                    model.startChild(id, restart);
                    history.add("initial " + id + " " + restart);
                }
            }
            Supervisor sup = Supervisor.start(b.build());
            try {
                check(sup);
                int steps = 20 + r.nextInt(40);
                for (int step = 0; step < steps && !model.terminated; step++) {
                    step(sup);
                    check(sup);
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

        private void step(Supervisor sup) {
            List<String> names = model.names();
            String anyName = names.isEmpty() || r.nextInt(8) == 0 ? "c" + r.nextInt(nextId + 1) + (dynamic ? "#" + r.nextInt(nextId + 2) : "")
                    : names.get(r.nextInt(names.size()));
            int op = r.nextInt(100);
            if (op < 26) {
                boolean failure = op < 19;
                Remote child = running.get(anyName);
                if (child == null || !model.isRunning(anyName)) return;
                history.add((failure ? "crash " : "exit ") + anyName);
                running.remove(anyName);
                child.exit.complete(failure ? new ExitReason.Failure(new IllegalStateException("crash")) : ExitReason.NORMAL);
                model.exit(anyName, failure);
            } else if (op < 44) {
                Duration d = List.of(Duration.ofMillis(10), Duration.ofMillis(60), Duration.ofMillis(100),
                        Duration.ofSeconds(1), Duration.ofSeconds(3)).get(r.nextInt(5));
                history.add("advance " + d.toMillis() + "ms");
                // Timer by timer: a restart that fails schedules its retry on the supervisor's loop, after the
                // clock's advance has returned; the model must not run ahead of it.
                long left = d.toNanos();
                for (long next = model.nextTimerWithin(left); next >= 0 && !model.terminated; next = model.nextTimerWithin(left)) {
                    clock.advance(Duration.ofNanos(next));
                    model.advance(next);
                    left -= next;
                    check(sup);
                }
                if (!model.terminated) {
                    clock.advance(Duration.ofNanos(left));
                    model.advance(left);
                }
            } else if (op < 52) {
                // The next starts of this child fail until it is mended.
                boolean breakIt = r.nextInt(3) > 0;
                history.add((breakIt ? "break " : "mend ") + anyName);
                if (breakIt) failing.add(anyName); else failing.remove(anyName);
                model.setFailing(anyName, breakIt);
            } else if (op < 64) {
                if (dynamic && r.nextBoolean()) {
                    history.add("terminateChild(id) " + anyName);
                    expect(() -> sup.terminateChild(anyName), "simple_one_for_one");
                } else if (dynamic) {
                    history.add("terminateChild(ref) " + anyName);
                    expect(() -> sup.terminateChild(new ChildRef("model", anyName)), model.terminateChild(anyName));
                } else {
                    history.add("terminateChild " + anyName);
                    expect(() -> sup.terminateChild(anyName), model.terminateChild(anyName));
                }
            } else if (op < 74) {
                history.add("restartChild " + anyName);
                expect(() -> sup.restartChild(anyName), model.restartChild(anyName));
            } else if (op < 82) {
                history.add("deleteChild " + anyName);
                expect(() -> sup.deleteChild(anyName), model.deleteChild(anyName));
            } else {
                // A static supervisor sometimes gets an id it has; a dynamic one takes repeated ids.
                String id = r.nextInt(4) == 0 && nextId > 0 ? "c" + r.nextInt(nextId) : "c" + nextId++;
                Restart restart = Restart.values()[r.nextInt(3)];
                history.add("startChild " + id + " " + restart);
                Model.Started expected = model.startChild(id, restart);
                String actual = answer(() -> sup.startChild(spec(id, restart).build()).thenApply(ref -> {
                    if (!ref.name().equals(expected.name())) {
                        throw new AssertionError("startChild answered " + ref + ", model expects " + expected.name());
                    }
                    return null;
                }));
                compare(actual, expected.error());
            }
        }

        private ChildSpec.Builder spec(String id, Restart restart) {
            ChildSpec.Builder b = ChildSpec.builder(id, ctx -> {
                if (failing.contains(ctx.id())) return CompletableFuture.failedFuture(new IllegalStateException("cannot start " + ctx.id()));
                Remote child = new Remote();
                running.put(ctx.id(), child);
                return CompletableFuture.completedFuture(child);
            }, ChildType.WORKER).restart(restart);
            return backoff ? b.backoff(new Backoff.Fixed(BACKOFF)) : b;
        }

        /** Runs an API call and checks that it answers as the model does: {@code null} = success, else an error code. */
        private void expect(Supplier<CompletableFuture<Void>> call, String expectedCode) {
            compare(answer(call), expectedCode);
        }

        private String answer(Supplier<CompletableFuture<Void>> call) {
            String actual;
            try {
                call.get().orTimeout(5, TimeUnit.SECONDS).join();
                actual = null;
            } catch (CompletionException e) {
                if (e.getCause() instanceof AssertionError a) throw new AssertionError(label + ": " + a.getMessage() + "\n" + String.join("\n", history));
                actual = e.getCause() instanceof SupervisorException se ? se.code() : e.getCause().toString();
            }
            history.add("  -> " + (actual == null ? "ok" : actual));
            return actual;
        }

        private void compare(String actual, String expectedCode) {
            if (!Objects.equals(actual, expectedCode)) {
                fail("%s: call answered %s, model expects %s%n%s", label, actual == null ? "ok" : actual,
                        expectedCode == null ? "ok" : expectedCode, String.join("\n", history));
            }
        }

        private void check(Supervisor sup) {
            if (model.terminated) return;
            List<Seen> expected = model.seen();
            Supervisor.ChildCounts expectedCounts = model.counts();
            Supplier<Boolean> same = () -> sup.whichChildren().join().stream()
                    .map(c -> new Seen(c.ref().name(), c.state(), c.restarts())).toList().equals(expected)
                    && sup.countChildren().join().equals(expectedCounts);
            if (same.get()) return;   // the usual case: no need to poll
            try {
                await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(1)).until(same::get);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                fail("%s: state differs from the model%n  model:    %s %s%n  observed: %s %s%nhistory:%n%s", label,
                        expected, expectedCounts,
                        sup.whichChildren().join().stream().map(c -> new Seen(c.ref().name(), c.state(), c.restarts())).toList(),
                        sup.countChildren().join(), String.join("\n", history));
            }
        }
    }

    /**
     * The rules, written as plainly as possible: OTP's supervisor (restart types, strategies, the sliding
     * intensity window, escalation, a failed restart tried again through the strategy, the child API and
     * its errors) or Elixir's DynamicSupervisor, plus a fixed backoff delay that starts a group restart when
     * the trigger's timer falls due.
     */
    static final class Model {
        final boolean dynamic;
        final Strategy strategy;
        final int intensity;
        final long period;
        final long delay;
        final int maxChildren;
        final List<Child> children = new ArrayList<>();
        final Set<String> failing = new HashSet<>();
        final List<Long> restartTimes = new ArrayList<>();
        final List<Timer> timers = new ArrayList<>();
        long now;
        long timerSeq;
        long serial;
        boolean terminated;

        Model(boolean dynamic, Strategy strategy, int intensity, long period, long delay, int maxChildren) {
            this.dynamic = dynamic;
            this.strategy = strategy;
            this.intensity = intensity;
            this.period = period;
            this.delay = delay;
            this.maxChildren = maxChildren;
        }

        static final class Child {
            final String name;
            final Restart restart;
            boolean running;
            ChildState state = ChildState.STOPPED;
            int restarts;
            Child scheduledBy;

            Child(String name, Restart restart) {
                this.name = name;
                this.restart = restart;
            }
        }

        record Timer(long at, long seq, Child trigger, List<Child> group) {}

        /** What startChild answers: the new child's name, or an error code. */
        record Started(String name, String error) {}

        List<String> names() { return children.stream().map(c -> c.name).toList(); }

        boolean isRunning(String name) { Child c = find(name); return c != null && c.running; }

        List<Seen> seen() { return children.stream().map(c -> new Seen(c.name, c.state, c.restarts)).toList(); }

        Supervisor.ChildCounts counts() {
            int active = (int) children.stream().filter(c -> c.running).count();
            return new Supervisor.ChildCounts(children.size(), active, 0, children.size());
        }

        void setFailing(String name, boolean fails) {
            if (fails) failing.add(name); else failing.remove(name);
        }

        private Child find(String name) {
            for (Child c : children) if (c.name.equals(name)) return c;
            return null;
        }

        /** Starts {@code c}; false (and the child FAILED) if its start fails. */
        private boolean start(Child c) {
            cancelTimer(c);
            c.scheduledBy = null;
            if (failing.contains(c.name)) {
                c.state = ChildState.FAILED;
                return false;
            }
            c.running = true;
            c.state = ChildState.RUNNING;
            return true;
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
            if (c.state != ChildState.FAILED) c.state = ChildState.STOPPED;
        }

        private boolean cancelTimer(Child c) { return timers.removeIf(t -> t.trigger == c); }

        /** OTP add_restart: restarts within [now - period, now] count; more than intensity gives up. */
        private boolean addRestart() {
            restartTimes.removeIf(t -> t < now - period);
            restartTimes.add(now);
            if (restartTimes.size() > intensity) {
                terminated = true;
                return false;
            }
            return true;
        }

        void exit(String name, boolean failure) {
            Child c = find(name);
            c.running = false;
            boolean restart = c.restart == Restart.PERMANENT || (c.restart == Restart.TRANSIENT && failure);
            if (!restart) {
                c.state = ChildState.STOPPED;
                if (c.restart == Restart.TEMPORARY || dynamic) children.remove(c);
                return;
            }
            if (addRestart()) restartGroup(c);
        }

        /** OTP's restart(Strategy, Child): stop the others of the group in reverse, then start the group. */
        private void restartGroup(Child c) {
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

        /** Starts the group in order; a start that fails counts as a restart and runs the strategy again for it. */
        private void startGroup(Child trigger, List<Child> group) {
            for (Child g : new ArrayList<>(group)) {
                if (!children.contains(g) || g.running || g.scheduledBy != trigger) continue;
                if (!start(g)) {
                    if (addRestart()) restartGroup(g);
                    return;
                }
            }
        }

        /** Time from now to the first timer due within {@code d}, or -1. */
        long nextTimerWithin(long d) {
            return timers.stream().mapToLong(Timer::at).filter(at -> at <= now + d).min().orElse(now - 1) - now;
        }

        void advance(long d) {
            long target = now + d;
            while (!terminated) {
                Timer next = timers.stream().filter(t -> t.at <= target)
                        .min(Comparator.comparingLong(Timer::at).thenComparingLong(Timer::seq)).orElse(null);
                if (next == null) break;
                timers.remove(next);
                now = next.at;
                startGroup(next.trigger, next.group);
            }
            now = target;
        }

        String terminateChild(String name) {
            Child c = find(name);
            if (c == null) return "not_found";
            stop(c);
            if (c.restart == Restart.TEMPORARY || dynamic) children.remove(c);
            return null;
        }

        String restartChild(String name) {
            if (dynamic) return "simple_one_for_one";
            Child c = find(name);
            if (c == null) return "not_found";
            if (c.running) return "running";
            if (c.state == ChildState.RESTARTING) return "restarting";
            return start(c) ? null : "start_failed";
        }

        String deleteChild(String name) {
            if (dynamic) return "simple_one_for_one";
            Child c = find(name);
            if (c == null) return "not_found";
            if (c.running) return "running";
            if (c.state == ChildState.RESTARTING) return "restarting";
            children.remove(c);
            return null;
        }

        Started startChild(String id, Restart restart) {
            if (!dynamic) {
                Child c = find(id);
                if (c != null) return new Started(id, c.running ? "already_started" : "already_present");
            } else if (children.size() >= maxChildren) {
                return new Started(null, "max_children");
            }
            String name = dynamic ? id + "#" + ++serial : id;
            Child c = new Child(name, restart);
            children.add(c);
            if (!start(c)) {
                children.remove(c);                    // a failed start_child leaves nothing
                return new Started(name, "start_failed");
            }
            return new Started(name, null);
        }
    }
}
