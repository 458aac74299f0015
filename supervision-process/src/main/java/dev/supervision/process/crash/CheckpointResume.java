package dev.supervision.process.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** {@link RestartAdvisor#resumeFromCheckpoint(Path, String, String, Predicate)}. */
final class CheckpointResume implements RestartAdvisor {
    private final Path dir;
    private final String prefix;
    private final String flag;
    private final Predicate<Path> complete;

    CheckpointResume(Path dir, String prefix, String flag, Predicate<Path> complete) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
        this.prefix = StepDown.notBlank("prefix", prefix);
        this.flag = StepDown.notBlank("flag", flag);
        this.complete = Objects.requireNonNull(complete, "complete");
    }

    /** @throws UncheckedIOException naming the directory if it exists but cannot be listed */
    @Override
    public LaunchPlan advise(LaunchPlan previous, Optional<CrashReport> lastCrash) {
        return newest().map(checkpoint -> previous.withFlag(flag, checkpoint.toString())).orElse(previous);
    }

    /** The complete checkpoint with the largest number, if any. */
    private Optional<Path> newest() {
        try (Stream<Path> entries = Files.list(dir)) {
            Path best = null;
            BigInteger bestNumber = null;
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix) || name.length() == prefix.length()) {
                    continue;
                }
                String digits = name.substring(prefix.length());
                if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || !Files.isDirectory(p)) {
                    continue;
                }
                BigInteger n = new BigInteger(digits);
                if ((bestNumber == null || n.compareTo(bestNumber) > 0) && complete.test(p)) {
                    best = p;
                    bestNumber = n;
                }
            }
            return Optional.ofNullable(best);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the checkpoint directory " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "resumeFromCheckpoint(" + dir + ", " + prefix + ", " + flag + ")";
    }
}
