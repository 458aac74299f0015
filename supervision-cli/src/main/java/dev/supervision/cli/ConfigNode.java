package dev.supervision.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One mapping of a parsed YAML/JSON document, with its path ({@code children[1].readiness}) so that
 * every error names where it is. {@link #allow} rejects unknown keys, suggesting the nearest known one.
 */
final class ConfigNode {
    private final String path;
    private final Map<String, Object> map;

    private ConfigNode(String path, Map<String, Object> map) {
        this.path = path;
        this.map = map;
    }

    /** The document's top level, which must be a mapping. */
    static ConfigNode root(Object document, String what) {
        if (!(document instanceof Map<?, ?> m)) {
            throw new ConfigException(what + ": expected a mapping at the top level (name, strategy, children, ...), was "
                    + kind(document));
        }
        return of("", m);
    }

    private static ConfigNode of(String path, Map<?, ?> m) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new ConfigException(at(path, String.valueOf(e.getKey())) + ": keys must be strings, was " + kind(e.getKey()));
            }
            copy.put(k, e.getValue());
        }
        return new ConfigNode(path, copy);
    }

    String path() { return path.isEmpty() ? "(top level)" : path; }

    /** The path of {@code key} in this node. */
    String at(String key) { return at(path, key); }

    private static String at(String path, String key) { return path.isEmpty() ? key : path + "." + key; }

    boolean has(String key) { return map.containsKey(key); }

    /** Fails on the first key (in document order) that is not one of {@code known}. */
    ConfigNode allow(String... known) { return allow(List.of(known)); }

    /** Fails on the first key (in document order) that is not one of {@code known}. */
    ConfigNode allow(List<String> known) {
        Set<String> ok = Set.copyOf(known);
        for (String k : map.keySet()) {
            if (!ok.contains(k)) {
                String near = nearest(k, known);
                throw new ConfigException(at(k) + ": unknown key " + (near != null ? "(did you mean " + near + "?)"
                        : "(expected one of " + String.join(", ", new TreeSet<>(ok)) + ")"));
            }
        }
        return this;
    }

    /** Fails unless exactly one of {@code keys} is present; returns it. */
    String oneOf(String... keys) {
        List<String> present = new ArrayList<>();
        for (String k : keys) if (map.containsKey(k)) present.add(k);
        if (present.size() != 1) {
            throw new ConfigException(path() + ": expected exactly one of " + String.join(", ", keys) + ", was "
                    + (present.isEmpty() ? "none" : String.join(" and ", present)));
        }
        return present.get(0);
    }

    Object raw(String key) { return map.get(key); }

    Optional<String> string(String key) {
        Object v = map.get(key);
        if (v == null) return Optional.empty();
        return Optional.of(scalar(at(key), v));
    }

    String requiredString(String key) {
        return string(key).orElseThrow(() -> new ConfigException(at(key) + ": required"));
    }

    Optional<Duration> duration(String key) { return string(key).map(s -> Values.duration(at(key), s)); }

    Optional<Duration> positiveDuration(String key) { return string(key).map(s -> Values.positiveDuration(at(key), s)); }

    Optional<Integer> integer(String key, int min, int max) { return string(key).map(s -> Values.integer(at(key), s, min, max)); }

    Optional<Boolean> bool(String key) {
        Object v = map.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof Boolean b) return Optional.of(b);
        return Optional.of(Values.bool(at(key), scalar(at(key), v)));
    }

    /** An enum constant, written in any case with '-' or '_'. */
    <E extends Enum<E>> Optional<E> choice(String key, Class<E> type) {
        return string(key).map(s -> {
            String name = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) if (e.name().equals(name)) return e;
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) names.add(e.name().toLowerCase(Locale.ROOT));
            throw new ConfigException(at(key) + ": expected one of " + String.join(", ", names) + ", was '" + s + "'");
        });
    }

    Optional<ConfigNode> node(String key) {
        Object v = map.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof Map<?, ?> m) return Optional.of(of(at(key), m));
        throw new ConfigException(at(key) + ": expected a mapping, was " + kind(v));
    }

    Optional<List<Object>> list(String key) {
        Object v = map.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof List<?> l) return Optional.of(new ArrayList<>(l));
        throw new ConfigException(at(key) + ": expected a list, was " + kind(v));
    }

    /** The mapping at {@code key[index]}. */
    ConfigNode element(String key, int index, Object value) {
        String p = at(key) + "[" + index + "]";
        if (value instanceof Map<?, ?> m) return of(p, m);
        throw new ConfigException(p + ": expected a mapping, was " + kind(value));
    }

    Optional<List<String>> strings(String key) {
        return list(key).map(l -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                if (l.get(i) == null) throw new ConfigException(at(key) + "[" + i + "]: must not be null");
                out.add(scalar(at(key) + "[" + i + "]", l.get(i)));
            }
            return out;
        });
    }

    /** All entries of the mapping at {@code key} as strings. */
    Optional<Map<String, String>> stringMap(String key) {
        return node(key).map(n -> {
            Map<String, String> out = new LinkedHashMap<>();
            for (String k : n.map.keySet()) out.put(k, n.requiredString(k));
            return out;
        });
    }

    static String scalar(String where, Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) return v.toString();
        throw new ConfigException(where + ": expected a single value, was " + kind(v));
    }

    static String kind(Object v) {
        if (v == null) return "nothing";
        if (v instanceof Map<?, ?>) return "a mapping";
        if (v instanceof List<?>) return "a list";
        return "'" + v + "'";
    }

    private static String nearest(String key, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int subst = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(subst, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
