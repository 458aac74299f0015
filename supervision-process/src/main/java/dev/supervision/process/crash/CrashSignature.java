package dev.supervision.process.crash;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One known way for an ML server or trainer to die, as data: what shows it ({@link #when()}: an output
 * line, an exit status or a guard's reason), what it is ({@link #kind()}), how much it says
 * ({@link #severity()}), what to do ({@link #action()}) and what to tell a person ({@link #advice()}).
 * Signatures live in a {@link SignatureLibrary}; {@link SignatureLibrary#builtIn()} holds the real ones.
 *
 * {@snippet :
 * CrashSignature nanLoss = CrashSignature.builder("trainer-nan-loss")
 *         .onLine("loss is nan at step \\d+", "loss is nan")
 *         .kind(CrashKind.OTHER)
 *         .severity(Severity.ERROR)
 *         .action(CrashAction.restartAdjusted("resume from the previous checkpoint with a lower learning rate"))
 *         .advice("the loss diverged; check the learning rate and the data")
 *         .build();
 * }
 *
 * <p><b>Validation.</b> The canonical constructor (and so {@link Builder#build()}) throws
 * {@link IllegalArgumentException} naming the field, the value and what was expected. Records compare
 * patterns by identity ({@link Pattern} has no value equality).
 *
 * @param id       unique within a library: lower-case letters, digits, {@code - . _}, starting with a letter or digit
 * @param kind     the category
 * @param when     what shows it
 * @param severity how much a match says; the classifier keeps the most severe
 * @param action   what to do
 * @param advice   for people, may be empty, never null
 */
public record CrashSignature(String id, CrashKind kind, When when, Severity severity, CrashAction action, String advice) {
    /** Shortest accepted keyword: shorter ones make the prefilter skip less of every line. */
    public static final int MIN_KEYWORD_LENGTH = 4;
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    /** What shows a signature. */
    public sealed interface When {
        /**
         * A line of either stream in which {@code pattern} is found ({@link java.util.regex.Matcher#find()}).
         *
         * <p><b>Keywords</b> make matching fast: a line is tested against {@code pattern} only if it
         * contains one of them (case-sensitive), so <em>every line the pattern finds must contain at least
         * one keyword</em>, or the signature misses it. A keyword is found anywhere in the line, or, written
         * {@code ^literal}, only at the line's start, or, written {@code literal$}, only at its end (a
         * trailing carriage return ignored). Keywords are printable ASCII of at least
         * {@value #MIN_KEYWORD_LENGTH} characters (not counting the {@code ^} or {@code $}). Pick the rarest literal part
         * of the message, and a long one: the search skips ahead by up to the length of the shortest
         * anywhere-keyword of the whole library, so one short keyword slows every line a little;
         * {@code ^} and {@code $} keywords cost nothing per line. With no keywords the pattern runs on every line, which
         * is much slower.
         *
         * @param pattern  searched in the line
         * @param keywords literal parts of every line the pattern finds; {@code ^} first: at the line's start;
         *                 {@code $} last: at its end
         */
        record Line(Pattern pattern, List<String> keywords) implements When {
            /** @throws IllegalArgumentException on a null pattern or a bad keyword */
            public Line {
                if (pattern == null) throw new IllegalArgumentException("Line.pattern must be a pattern, was null");
                if (keywords == null) throw new IllegalArgumentException("Line.keywords must be a list, was null");
                for (String k : keywords) {
                    String literal = k == null ? null : k.startsWith("^") ? k.substring(1) : k.endsWith("$") ? k.substring(0, k.length() - 1) : k;
                    if (literal == null || literal.length() < MIN_KEYWORD_LENGTH
                            || !literal.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                        throw new IllegalArgumentException("Line.keywords must be printable ASCII of at least "
                                + MIN_KEYWORD_LENGTH + " characters after an optional ^ or before an optional $, was " + (k == null ? "null" : "'" + k + "'"));
                    }
                }
                keywords = List.copyOf(keywords);
            }
        }

        /**
         * The process ended with one of these exit values (the JDK's: {@code 128 + n} for signal
         * {@code n}). Used only when no line or guard match explains the crash better (see
         * {@link SignatureLibrary}). Name only what the exit status shows (139: a segfault; 137: a SIGKILL,
         * from whoever sent it), never a cause it merely suggests.
         *
         * @param exitValues 0..255, at least one
         */
        record Exit(Set<Integer> exitValues) implements When {
            /** @throws IllegalArgumentException on an empty set or a value outside 0..255 */
            public Exit {
                if (exitValues == null || exitValues.isEmpty()) {
                    throw new IllegalArgumentException("Exit.exitValues must hold at least one value, was " + exitValues);
                }
                for (Integer v : exitValues) {
                    if (v == null || v < 0 || v > 255) {
                        throw new IllegalArgumentException("Exit.exitValues must be in 0..255, was " + v + " in " + exitValues);
                    }
                }
                exitValues = Set.copyOf(new TreeSet<>(exitValues));
            }
        }

        /**
         * A guard stopped the process and gave this reason ({@code memory-limit}, {@code gpu-memory-limit}),
         * or the kernel counted it ({@code oom-kill}: the cgroup's {@code memory.events} counted an OOM kill
         * while the process died of SIGKILL).
         *
         * @param reason matched exactly; not blank
         */
        record Guard(String reason) implements When {
            /** @throws IllegalArgumentException on a blank reason */
            public Guard {
                if (reason == null || reason.isBlank()) {
                    throw new IllegalArgumentException("Guard.reason must not be blank, was " + (reason == null ? "null" : "'" + reason + "'"));
                }
            }
        }
    }

    /** @throws IllegalArgumentException naming the field and the value when one is invalid */
    public CrashSignature {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must match " + ID.pattern() + ", was " + (id == null ? "null" : "'" + id + "'"));
        }
        if (kind == null) throw new IllegalArgumentException("kind of '" + id + "' must be a CrashKind, was null");
        if (when == null) {
            throw new IllegalArgumentException("when of '" + id + "' must be set (onLine, onExit or onGuard), was null");
        }
        if (severity == null) throw new IllegalArgumentException("severity of '" + id + "' must be a Severity, was null");
        if (action == null) throw new IllegalArgumentException("action of '" + id + "' must be a CrashAction, was null");
        if (advice == null) throw new IllegalArgumentException("advice of '" + id + "' must be text (empty allowed), was null");
    }

    /** A builder for signature {@code id}: severity {@link Severity#ERROR}, action {@link CrashAction#restart()}, no advice. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** A builder holding this signature's values, to derive a variant (see {@link SignatureLibrary#override}). */
    public Builder toBuilder() {
        Builder b = new Builder(id);
        b.kind = kind;
        b.when = when;
        b.severity = severity;
        b.action = action;
        b.advice = advice;
        return b;
    }

    @Override
    public String toString() {
        return id + " (" + kind + ", " + severity + ", " + action + ")";
    }

    /** Not thread-safe; {@link #build()} validates and makes an immutable signature. */
    public static final class Builder {
        private String id;
        private CrashKind kind;
        private When when;
        private Severity severity = Severity.ERROR;
        private CrashAction action = CrashAction.restart();
        private String advice = "";

        private Builder(String id) {
            this.id = id;
        }

        /** Renames (used to derive a new signature from another). */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The category. Required. */
        public Builder kind(CrashKind kind) {
            this.kind = kind;
            return this;
        }

        /**
         * Found in an output line; see {@link When.Line} for the keywords.
         *
         * @throws IllegalArgumentException at once if {@code regex} does not compile or a keyword is invalid
         */
        public Builder onLine(String regex, String... keywords) {
            if (regex == null) throw new IllegalArgumentException("pattern of '" + id + "' must be a regular expression, was null");
            try {
                return onLine(Pattern.compile(regex), keywords);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("pattern of '" + id + "' must be a regular expression, was '"
                        + regex + "': " + e.getDescription(), e);
            }
        }

        /**
         * Found in an output line; see {@link When.Line}.
         *
         * @throws IllegalArgumentException at once if the pattern is null or a keyword is invalid
         */
        public Builder onLine(Pattern pattern, String... keywords) {
            this.when = new When.Line(pattern, keywords == null ? null : Arrays.asList(keywords));
            return this;
        }

        /**
         * Shown by one of these exit values (see {@link When.Exit}).
         *
         * @throws IllegalArgumentException at once if there is none or one is outside 0..255
         */
        public Builder onExit(Integer... exitValues) {
            this.when = new When.Exit(exitValues == null ? null : new HashSet<>(Arrays.asList(exitValues)));
            return this;
        }

        /**
         * Reported by a guard with this reason.
         *
         * @throws IllegalArgumentException at once if the reason is blank
         */
        public Builder onGuard(String reason) {
            this.when = new When.Guard(reason);
            return this;
        }

        /** Default {@link Severity#ERROR}. */
        public Builder severity(Severity severity) {
            this.severity = severity;
            return this;
        }

        /** Default {@link CrashAction#restart()}. */
        public Builder action(CrashAction action) {
            this.action = action;
            return this;
        }

        /** For people; default empty. */
        public Builder advice(String advice) {
            this.advice = advice;
            return this;
        }

        /** @throws IllegalArgumentException naming the field and the value when one is invalid */
        public CrashSignature build() {
            return new CrashSignature(id, kind, when, severity, action, advice);
        }
    }
}
