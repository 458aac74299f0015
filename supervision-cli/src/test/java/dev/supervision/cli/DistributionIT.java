package dev.supervision.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged distribution ({@code target/supervise-VERSION}, built in the package phase), copied away from the
 * checkout as a user installs it: it runs from another directory through a link on PATH, with no JDK on PATH or in
 * JAVA_HOME, and its bundled runtime uses the start-up cache trained at build time.
 */
class DistributionIT {
    private static final Path DIST = Path.of(System.getProperty("supervise.dist", "target/supervise-unknown"));

    @TempDir Path dir;
    private Path installed;
    private Path onPath;

    private record Run(int exit, String stdout, String stderr) {}

    @BeforeEach
    void install() throws Exception {
        assertThat(DIST.resolve("bin/supervise")).as("the distribution is built by mvn package").isExecutable();
        installed = dir.resolve("opt/supervise");
        Files.createDirectories(installed.getParent());
        assertThat(new ProcessBuilder("cp", "-a", DIST.toString(), installed.toString()).inheritIO().start().waitFor()).isZero();
        onPath = Files.createDirectories(dir.resolve("usr/local/bin"));
        Files.createSymbolicLink(onPath.resolve("supervise"), installed.resolve("bin/supervise"));
    }

    /** Runs {@code supervise args} found on PATH, from a directory of its own, without any Java in the environment. */
    private Run supervise(Map<String, String> env, String... args) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "exec supervise \"$@\"", "sh"));   // found by the shell on PATH
        argv.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(work.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SUPERVISE_") || k.startsWith("PROCESS_") || k.startsWith("JAVA"));
        pb.environment().put("PATH", onPath + ":/usr/bin:/bin");
        pb.environment().put("SUPERVISE_STATE_DIR", dir.resolve("state").toString());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("supervise %s ended", argv).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void theCopiedDistributionRunsFromPathWithItsOwnRuntime() throws Exception {
        Run version = supervise(Map.of(), "--version");
        assertThat(version.exit()).as(version.stderr()).isZero();
        assertThat(version.stdout()).startsWith("supervise " + DIST.getFileName().toString().substring("supervise-".length()))
                .contains("installed in " + installed.toRealPath()).contains("bundled runtime");

        Run once = supervise(Map.of(), "--auto-recovery", "off", "--", "sh", "-c", "echo from the child; exit 3");
        assertThat(once.exit()).as(once.stderr()).isEqualTo(3);
        assertThat(once.stdout()).contains("from the child");
    }

    /** The cache trained at build time is valid where the distribution was copied: a JVM told to require it starts. */
    @Test
    void theStartUpCacheIsUsedAfterTheCopy() throws Exception {
        String defaults = Files.readAllLines(installed.resolve("bin/supervise")).stream()
                .filter(l -> l.startsWith("SUPERVISE_DEFAULT_JAVA_OPTS=")).findFirst().orElseThrow()
                .replaceFirst("^SUPERVISE_DEFAULT_JAVA_OPTS=\"(.*)\"$", "$1");
        boolean aot = Files.exists(installed.resolve("lib/supervise.aot"));
        assertThat(aot || Files.exists(installed.resolve("lib/supervise.jsa"))).as("a start-up cache in lib/").isTrue();
        String require = aot ? "-XX:AOTMode=on" : "-Xshare:on";
        Run run = supervise(Map.of("SUPERVISE_JAVA_OPTS", defaults + " " + require), "--auto-recovery", "off", "--", "true");
        assertThat(run.exit()).as(run.stdout() + run.stderr()).isZero();
        assertThat(run.stderr()).doesNotContain("warning").doesNotContain("Error");
    }

    /**
     * The bundled runtime holds every JDK module that the jars need, as jdeps finds them: the library jars (some of them
     * modules, requiring others by name) on a module path, the CLI's jar analysed against them.
     */
    @Test
    void theBundledRuntimeHasEveryModuleTheJarsNeed() throws Exception {
        List<String> jars = Files.readAllLines(installed.resolve("lib/classpath"));
        Path modules = Files.createDirectories(dir.resolve("modules"));
        for (String jar : jars.subList(1, jars.size())) Files.copy(installed.resolve("lib").resolve(jar), modules.resolve(jar));
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        String[] lines = output(List.of(jdeps.toString(), "--multi-release", "21", "--ignore-missing-deps", "--print-module-deps",
                "--module-path", modules.toString(), "--add-modules", "ALL-MODULE-PATH",
                installed.resolve("lib").resolve(jars.get(0)).toString())).trim().split("\n");
        String needed = lines[lines.length - 1];                          // after jdeps' warnings, if any
        assertThat(needed).startsWith("java.base");
        String has = output(List.of(installed.resolve("runtime/bin/java").toString(), "--list-modules"));
        for (String module : needed.split(",")) assertThat(has).as("jdeps says the jars need " + module).contains(module + "@");
    }

    @Test
    void theArchiveHoldsTheSameDistribution() throws Exception {
        Path archive = DIST.resolveSibling(DIST.getFileName() + "-linux-x64.tar.gz");
        String listing = output(List.of("tar", "-tzf", archive.toString()));
        String name = DIST.getFileName().toString();
        assertThat(listing).contains(name + "/bin/supervise", name + "/lib/classpath", name + "/runtime/bin/java", name + "/LICENSE");
    }

    private static String output(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(argv + ": " + text).isZero();
        return text;
    }
}
