package dev.supervision.process.crash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns what happened to the last attempt of a process child into the next attempt's command and
 * environment ("adaptive restarts"): resume a trainer from its newest checkpoint, lower
 * {@code --gpu-memory-utilization} after a CUDA out-of-memory crash, and so on.
 *
 * <p>The process child calls {@link #advise} before every start, including the first (with no crash) and
 * the first after a restart of the supervising JVM (where the crash, if any, may come from
 * {@link CrashHistory#recent}); the plan it returns is launched and becomes {@code previous} for the next
 * call. An advisor that throws fails that start with its exception as the cause.
 *
 * <p>Threading: called on the process child's start path, one call at a time per child; it may block
 * briefly (the built-ins list a directory). Implementations should be stateless or thread-safe: one
 * advisor may serve several children.
 *
 * {@snippet :
 * RestartAdvisor advisor = RestartAdvisor
 *         .resumeFromCheckpoint(Path.of("/runs/7/out"), "checkpoint-", "--resume-from-checkpoint", "trainer_state.json")
 *         .andThen(RestartAdvisor.stepDown("--gpu-memory-utilization", 0.05, 0.6, Set.of("GPU_OOM")));
 * }
 */
@FunctionalInterface
public interface RestartAdvisor {
    /**
     * The plan for the next attempt.
     *
     * @param previous what the last attempt launched (the spec's command on the first)
     * @param lastCrash the report of the last attempt's crash; empty on a first start or after a clean exit
     * @return the next plan, {@code previous} itself for no change
     */
    LaunchPlan advise(LaunchPlan previous, Optional<CrashReport> lastCrash);

    /** This advisor, then {@code next} on its result (with the same crash). */
    default RestartAdvisor andThen(RestartAdvisor next) {
        Objects.requireNonNull(next, "next");
        return (previous, crash) -> next.advise(advise(previous, crash), crash);
    }

    /**
     * Resumes from the newest complete checkpoint, complete meaning that it holds {@code markerFile}
     * (trainers write e.g. {@code trainer_state.json} last); see
     * {@link #resumeFromCheckpoint(Path, String, String, Predicate)}.
     *
     * @throws IllegalArgumentException naming the setting if {@code markerFile} is blank or not a plain file name
     */
    static RestartAdvisor resumeFromCheckpoint(Path dir, String prefix, String flag, String markerFile) {
        if (markerFile == null || markerFile.isBlank() || markerFile.contains("/") || markerFile.equals("..")) {
            throw new IllegalArgumentException("markerFile must be a plain file name, was "
                    + (markerFile == null ? "null" : "'" + markerFile + "'"));
        }
        return resumeFromCheckpoint(dir, prefix, flag, checkpoint -> Files.isRegularFile(checkpoint.resolve(markerFile)));
    }

    /**
     * Resumes a trainer from its newest complete checkpoint: among the directories in {@code dir} named
     * {@code prefix} followed by digits only (e.g. {@code checkpoint-2600}) that {@code complete} accepts,
     * the one with the largest number (by value: {@code checkpoint-1000} is newer than
     * {@code checkpoint-900}; never by modification time or name order) is put into the plan as
     * {@code flag}'s value (its absolute path), replacing the value in either form ({@code --flag path},
     * {@code --flag=path}) or appending {@code flag path}. With no complete checkpoint (or no {@code dir})
     * the plan is returned unchanged. Applies on every start, crash or not, so a restart of the supervising
     * JVM resumes too.
     *
     * @param dir the trainer's output directory
     * @param prefix the checkpoint directories' name prefix, e.g. {@code checkpoint-}, not blank
     * @param flag the trainer's flag, e.g. {@code --resume-from-checkpoint}, not blank
     * @param complete whether a checkpoint directory was completely written
     * @throws IllegalArgumentException naming the setting and value if {@code prefix} or {@code flag} is blank
     * @throws NullPointerException naming the argument if one is null
     */
    static RestartAdvisor resumeFromCheckpoint(Path dir, String prefix, String flag, Predicate<Path> complete) {
        return new CheckpointResume(dir, prefix, flag, complete);
    }

    /**
     * After a crash of one of the given kinds, steps a numeric flag down, e.g.
     * {@code --gpu-memory-utilization 0.9} to {@code 0.85} after {@code GPU_OOM}, never below
     * {@code floor}. Both flag forms are read and the form is kept. The new value is computed in decimal and
     * written without float noise ({@code 0.85}, never {@code 0.8500000000000001}). A plan without the flag,
     * or with the value already at or below the floor, is returned unchanged; a crash of another kind or no
     * crash changes nothing.
     *
     * @param flag the flag, e.g. {@code --gpu-memory-utilization}, not blank
     * @param step how much to subtract, positive and finite
     * @param floor the lowest value to write, finite
     * @param kinds the crash kinds ({@link CrashReport#kind()}) that trigger a step, not empty
     * @throws IllegalArgumentException naming the setting and value for a blank flag, a step that is not
     *     positive and finite, a floor that is not finite, or empty kinds; {@link #advise} throws it naming
     *     the flag and value when the flag's value is not a number
     */
    static RestartAdvisor stepDown(String flag, double step, double floor, Set<String> kinds) {
        return new StepDown(flag, step, floor, kinds);
    }
}
