package dev.supervision.process.crash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the next attempt of a process child launches: the argv and the environment variables to set on
 * top of the spec's environment. Produced by a {@link RestartAdvisor} from the previous plan. Immutable
 * and thread-safe.
 *
 * @param argv the command and its arguments, not empty, no null elements
 * @param environment variables to set (overriding inherited ones), no null keys or values
 */
public record LaunchPlan(List<String> argv, Map<String, String> environment) {
    /**
     * Copies the collections.
     *
     * @throws IllegalArgumentException if argv is empty
     * @throws NullPointerException if a component, an element, a key or a value is null
     */
    public LaunchPlan {
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty, was []");
        }
        environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    /** A plan of an argv with no environment overrides. */
    public static LaunchPlan of(List<String> argv) {
        return new LaunchPlan(argv, Map.of());
    }

    /** This plan with another argv, the same environment. */
    public LaunchPlan withArgv(List<String> newArgv) {
        return new LaunchPlan(newArgv, environment);
    }

    /** This plan with one more (or a replaced) environment variable. */
    public LaunchPlan withEnvironment(String name, String value) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new LaunchPlan(argv, env);
    }

    /**
     * The value of a command-line flag, written either {@code --flag value} or {@code --flag=value}; the
     * last occurrence wins, as with most argument parsers.
     *
     * @return the index of the flag's value in argv, or -1 when the flag is absent (or last, with no value)
     */
    int flagValueIndex(String flag) {
        int found = -1;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals(flag) && i + 1 < argv.size()) {
                found = i + 1;
            } else if (a.startsWith(flag + "=")) {
                found = i;
            }
        }
        return found;
    }

    /** The value of a flag (see {@link #flagValueIndex}); null when absent. */
    String flagValue(String flag) {
        int i = flagValueIndex(flag);
        if (i < 0) {
            return null;
        }
        String a = argv.get(i);
        return a.startsWith(flag + "=") ? a.substring(flag.length() + 1) : a;
    }

    /** This plan with a flag's value replaced, keeping its form, or the flag and value appended when absent. */
    LaunchPlan withFlag(String flag, String value) {
        List<String> next = new ArrayList<>(argv);
        int i = flagValueIndex(flag);
        if (i < 0) {
            next.add(flag);
            next.add(value);
        } else if (next.get(i).startsWith(flag + "=")) {
            next.set(i, flag + "=" + value);
        } else {
            next.set(i, value);
        }
        return withArgv(next);
    }
}
