package dev.supervision.examples.trainer;

import dev.supervision.Backoff;
import dev.supervision.ChildState;
import dev.supervision.Restart;
import dev.supervision.Supervisor;
import dev.supervision.SupervisorEvent;
import dev.supervision.SupervisorSpec;
import dev.supervision.process.ProcessEvent;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.crash.RestartAdvisor;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The trainer demo: {@link FakeTrainer} (120 steps, a checkpoint every 10) crashes three times (CUDA
 * OOM, a segfault while writing a checkpoint, an NCCL timeout) and is resumed each time from its newest
 * complete checkpoint by {@link RestartAdvisor#resumeFromCheckpoint}: the half-written one is skipped.
 * At the end it proves from the trainer's own step log that every step was done, and that no step up to
 * the checkpoint a start resumed from was done again: only the steps after it were.
 *
 * <pre>./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -pl supervision-examples exec:exec@demo-trainer</pre>
 */
public final class TrainerDemo {
    private static final int STEPS = 120;

    private TrainerDemo() {}

    public static void main(String[] args) throws Exception {
        Path out = Files.createTempDirectory("supervision-trainer-demo");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<List<String>> launches = new CopyOnWriteArrayList<>();
        List<String> crashes = new CopyOnWriteArrayList<>();
        ProcessSpec trainer = ProcessSpec.builder("trainer")
                .command(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        FakeTrainer.class.getName(), "--out", out.toString(), "--steps", Integer.toString(STEPS))
                .advisor(RestartAdvisor.resumeFromCheckpoint(out, "checkpoint-", "--resume-from-checkpoint", "trainer_state.json"))
                .startSeconds(Duration.ofMillis(200))
                .output(OutputSpec.builder().sinks(OutputSink.passThrough()).build())
                .stateDirectory(out.resolve("state"))
                .build();
        SupervisorSpec tree = SupervisorSpec.builder("trainer-demo")
                .intensity(5, Duration.ofMinutes(1))
                .listener(e -> {
                    if (e instanceof SupervisorEvent.ChildNoticed n) {
                        switch (n.notice()) {
                            case ProcessEvent.Launched l -> {
                                launches.add(l.argv());
                                int i = l.argv().indexOf("--resume-from-checkpoint");
                                say("start " + launches.size() + (i < 0 ? ": from scratch" : ": resume from " + Path.of(l.argv().get(i + 1)).getFileName()));
                            }
                            case ProcessEvent.Crashed c -> {
                                crashes.add(c.report().kind());
                                say("CRASH classified " + c.report().kind() + ": " + c.report().matchedLine().orElse("")
                                        + "\n       | checkpoints on disk: " + checkpoints(out));
                            }
                            default -> { }
                        }
                    }
                })
                .child(trainer.toBuilder().restart(Restart.TRANSIENT).backoff(Backoff.fixed(Duration.ofMillis(200))))
                .build();
        say("training " + STEPS + " steps in " + out);
        try (Supervisor sup = Supervisor.start(tree)) {
            while (sup.whichChildren().join().getFirst().state() != ChildState.STOPPED) {
                Thread.sleep(100);                                      // demo pacing: poll for the end of training
            }
        }
        report(out, launches, crashes);
    }

    /** Checks the trainer's step log against its launches, and says what it found. */
    static void report(Path out, List<List<String>> launches, List<String> crashes) throws Exception {
        Map<Integer, List<Integer>> byStart = new TreeMap<>();
        int executions = 0;
        for (String line : Files.readAllLines(out.resolve("steps.log"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            byStart.computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>()).add(Integer.parseInt(f[1]));
            executions++;
        }
        TreeSet<Integer> done = new TreeSet<>();
        byStart.values().forEach(done::addAll);
        boolean allDone = done.size() == STEPS && done.first() == 1 && done.last() == STEPS;
        boolean onlyAfterCheckpoint = true;
        for (Map.Entry<Integer, List<Integer>> e : byStart.entrySet()) {
            List<String> argv = launches.get(e.getKey() - 1);
            int i = argv.indexOf("--resume-from-checkpoint");
            int resumedAt = i < 0 ? 0 : Integer.parseInt(argv.get(i + 1).replaceAll(".*checkpoint-", ""));
            int first = e.getValue().getFirst();
            say("start " + e.getKey() + " ran steps " + first + ".." + e.getValue().getLast()
                    + (i < 0 ? "" : " after checkpoint-" + resumedAt));
            onlyAfterCheckpoint &= first == resumedAt + 1;
        }
        say(String.format("%d crashes %s; %d steps, %s; %d step executions, %d run again after crashes, %s",
                crashes.size(), crashes, STEPS, allDone ? "ALL DONE" : "MISSING " + (STEPS - done.size()),
                executions, executions - done.size(),
                onlyAfterCheckpoint ? "each start resumed right after its newest complete checkpoint: no checkpointed step was redone"
                        : "A START DID NOT RESUME AT ITS CHECKPOINT"));
    }

    private static String checkpoints(Path out) {
        try (var dirs = Files.list(out)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("checkpoint-"))
                    .sorted((a, b) -> Integer.compare(step(a), step(b)))
                    .map(d -> d.getFileName() + (Files.exists(d.resolve("trainer_state.json")) ? "" : " (half-written)"))
                    .toList().toString();
        } catch (java.io.IOException e) {
            return "unreadable: " + e;
        }
    }

    private static int step(Path checkpoint) {
        return Integer.parseInt(checkpoint.getFileName().toString().substring("checkpoint-".length()));
    }

    private static void say(String line) {
        System.out.println("demo   | " + line);
    }
}
