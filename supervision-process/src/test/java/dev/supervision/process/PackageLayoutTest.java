package dev.supervision.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout docs/architecture.md draws, checked on the sources: the public packages depend on each other one
 * way ({@code process} on the others, {@code crash} on {@code output}, the rest on none), the internal packages
 * form no cycle either, and every package has a package-info.
 */
class PackageLayoutTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("dev\\.supervision(?:\\.[a-z]\\w*)*");
    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void readTheSources() throws IOException {
        Map<String, List<String>> texts = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")).toList()) {
                String text = Files.readString(file);
                Matcher m = PACKAGE.matcher(text);
                assertThat(m.find()).as("%s declares its package", file).isTrue();
                texts.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(text);
            }
        }
        for (var e : texts.entrySet()) {
            Set<String> uses = new TreeSet<>();
            for (String text : e.getValue()) {
                Matcher ref = REFERENCE.matcher(text);
                while (ref.find()) {
                    texts.keySet().stream().filter(p -> ref.group().equals(p) || ref.group().startsWith(p + "."))
                            .max((a, b) -> Integer.compare(a.length(), b.length()))
                            .filter(p -> !p.equals(e.getKey())).ifPresent(uses::add);
                }
            }
            USES.put(e.getKey(), uses);
        }
    }

    private static String shortName(String pkg) {
        return pkg.replace("dev.supervision.", "");
    }

    private static Map<String, Set<String>> among(boolean internal) {
        Map<String, Set<String>> graph = new TreeMap<>();
        USES.forEach((pkg, uses) -> {
            if (pkg.contains(".internal") == internal) {
                Set<String> within = new TreeSet<>();
                uses.stream().filter(u -> u.contains(".internal") == internal).map(PackageLayoutTest::shortName).forEach(within::add);
                graph.put(shortName(pkg), within);
            }
        });
        return graph;
    }

    @Test
    void thePublicPackagesDependOnEachOtherOneWayAsDrawn() {
        assertThat(among(false)).isEqualTo(Map.of(
                "process", Set.of("process.crash", "process.guard", "process.output", "process.preflight", "process.probe"),
                "process.crash", Set.of("process.output"),
                "process.guard", Set.of(),
                "process.output", Set.of(),
                "process.preflight", Set.of(),
                "process.probe", Set.of()));
    }

    @Test
    void theInternalPackagesFormNoCycle() {
        Map<String, Set<String>> graph = among(true);
        assertThat(graph).containsKeys("process.internal", "process.internal.launch", "process.internal.tree",
                "process.internal.memory", "process.internal.output", "process.internal.crash", "process.internal.run");
        Set<String> done = new HashSet<>();
        for (String start : graph.keySet()) {
            assertThat(cycleFrom(start, graph, new ArrayList<>(), done)).as("a cycle through %s", start).isEmpty();
        }
    }

    private static List<String> cycleFrom(String node, Map<String, Set<String>> graph, List<String> path, Set<String> done) {
        if (path.contains(node)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return cycle;
        }
        if (done.contains(node)) return List.of();
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            List<String> cycle = cycleFrom(next, graph, path, done);
            if (!cycle.isEmpty()) return cycle;
        }
        path.remove(path.size() - 1);
        done.add(node);
        return List.of();
    }

    @Test
    void everyPackageSaysWhatItIsFor() throws IOException {
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                boolean hasTypes;
                try (Stream<Path> files = Files.list(dir)) {
                    hasTypes = files.anyMatch(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java"));
                }
                if (hasTypes) assertThat(dir.resolve("package-info.java")).as("package-info of %s", dir).exists();
            }
        }
    }
}
