package dev.supervision.process.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

public class CrashHistoryTest {
    @TempDir Path dir;

    @Test
    void reportsWrittenByASeparateJvmAreReadBackAfterItExits() throws Exception {
        String tree = "history-" + ProcessHandle.current().pid();
        Process jvm = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp", classPath(),
                CrashWriterMain.class.getName(), dir.toString(), tree, "7").redirectErrorStream(true).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(jvm.exitValue()).as(out).isZero();

        CrashHistory history = CrashHistory.open(dir, tree);
        List<CrashReport> expected = IntStream.rangeClosed(1, 7).mapToObj(i -> CrashWriterMain.report(tree, i)).toList();
        assertThat(history.all()).containsExactlyElementsOf(expected);
        assertThat(history.recent("vllm", 2)).containsExactly(expected.get(5), expected.get(3));
        assertThat(history.countsByKind()).containsExactly(Map.entry("GPU_OOM", 2L), Map.entry("KERNEL_OOM_KILL", 5L));
        assertThat(history.countsByKind("vllm")).containsExactly(Map.entry("GPU_OOM", 1L), Map.entry("KERNEL_OOM_KILL", 2L));
        assertThat(Files.readAllLines(history.file())).hasSize(7).allMatch(l -> l.startsWith("{\"tree\":"));
    }

    /**
     * Lines of a version before the basis was recorded: a bare SIGKILL written as KERNEL_OOM_KILL (its
     * matchedLine was the exit status) reads as KILLED; a counted OOM kill and a matched line keep their kind.
     */
    @Test
    void anOlderLineThatTookASigkillForAnOomKillReadsAsKilled() throws Exception {
        CrashHistory history = CrashHistory.open(dir, "old");
        Files.createDirectories(history.file().getParent());        // open creates nothing; the first append would
        String common = "\"tree\":\"old\",\"child\":\"llm\",\"incarnation\":1,\"time\":\"2026-11-20T06:00:00Z\","
                + "\"lastLines\":[],\"uptime\":\"PT5S\",\"rssBytes\":null,\"gpuBytes\":null,\"advice\":null,\"inFlightRequests\":[]";
        Files.writeString(history.file(), String.join("\n",
                "{" + common + ",\"kind\":\"KERNEL_OOM_KILL\",\"matchedLine\":\"killed by SIGKILL (exit 137)\",\"exitValue\":137}",
                "{" + common + ",\"kind\":\"KERNEL_OOM_KILL\",\"matchedLine\":\"oom-kill: oom_kill 0 -> 1 in /sys/x\",\"exitValue\":137}",
                "{" + common + ",\"kind\":\"GPU_OOM\",\"matchedLine\":\"CUDA out of memory. Tried to allocate 2 GiB\",\"exitValue\":1}",
                "{" + common + ",\"kind\":\"EXIT_CODE\",\"matchedLine\":null,\"exitValue\":3}") + "\n");

        List<CrashReport> all = history.all();
        assertThat(all).extracting(CrashReport::kind).containsExactly("KILLED", "KERNEL_OOM_KILL", "GPU_OOM", "EXIT_CODE");
        assertThat(all).extracting(CrashReport::basis).containsExactly(CrashBasis.EXIT_STATUS, CrashBasis.KERNEL_COUNTER,
                CrashBasis.OUTPUT_LINE, CrashBasis.EXIT_STATUS);
        assertThat(all.get(0).evidence()).contains("OOM kill not confirmed");
        assertThat(all.get(0).matchedLine()).isEmpty();
        assertThat(all.get(2).matchedLine()).contains("CUDA out of memory. Tried to allocate 2 GiB");
        assertThat(all.get(3).evidence()).isEqualTo("exit 3");
        assertThat(history.countsByKind()).containsExactly(Map.entry("EXIT_CODE", 1L), Map.entry("GPU_OOM", 1L),
                Map.entry("KERNEL_OOM_KILL", 1L), Map.entry("KILLED", 1L));
    }

    @Test
    void anEmptyHistorySyncsWithoutCreatingItsFile() {
        CrashHistory empty = CrashHistory.open(dir, "never-crashed");
        empty.sync();
        assertThat(empty.file()).doesNotExist();
    }

    /**
     * What {@code sync()} promises is durability, so the test looks at the file's pages in the page cache: written
     * but not yet on disk, they are dirty, and only an fsync (or the kernel's own writeback, seconds later) makes
     * them clean. The appends' background fsync cleans them first; then bytes written with no fsync due stay dirty
     * until {@code sync()}.
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads /proc/self/smaps")
    void afterSyncNoPageOfTheFileIsLeftDirtyInThePageCache() throws Exception {
        assumeFalse(Files.getFileStore(dir).type().equals("tmpfs"), "needs a disk file system: tmpfs pages are never clean");
        CrashHistory history = CrashHistory.open(dir, "synced");
        for (int i = 1; i <= 20; i++) history.append(CrashWriterMain.report("synced", i));
        await("the appends' background fsync").atMost(Duration.ofSeconds(10)).until(() -> dirtyKib(history.file()) == 0);
        String last = Files.readAllLines(history.file()).getLast();
        Files.writeString(history.file(), last + "\n", StandardOpenOption.APPEND);              // written, no fsync due
        assumeTrue(dirtyKib(history.file()) > 0, "the kernel wrote the page back on its own before sync()");
        history.sync();
        assertThat(dirtyKib(history.file())).as("KiB of the file dirty in the page cache after sync()").isZero();
        assertThat(history.all()).hasSize(21);
    }

    @Test
    void aSyncThatCannotOpenTheFileFailsNamingIt() throws Exception {
        CrashHistory history = CrashHistory.open(dir, "replaced");
        history.append(CrashWriterMain.report("replaced", 1));
        Files.delete(history.file());
        Files.createDirectory(history.file());                        // a directory cannot be opened for writing
        assertThatThrownBy(history::sync).isInstanceOf(UncheckedIOException.class)
                .hasMessage("cannot sync the crash history " + history.file());
    }

    @Test
    void rotatesBySizeKeepingTheConfiguredNumberOfFiles() throws Exception {
        CrashHistory history = CrashHistory.open(dir, "rotating", 2_000, 3);
        for (int i = 1; i <= 40; i++) {
            history.append(CrashWriterMain.report("rotating", i));
        }
        Path parent = history.file().getParent();
        try (var files = Files.list(parent)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("crashes.jsonl", "crashes.jsonl.1", "crashes.jsonl.2");
        }
        for (String name : List.of("crashes.jsonl", "crashes.jsonl.1", "crashes.jsonl.2")) {
            assertThat(Files.size(parent.resolve(name))).as(name).isLessThanOrEqualTo(2_000);
        }
        List<CrashReport> kept = history.all();
        assertThat(kept).isNotEmpty().hasSizeLessThan(40);
        assertThat(kept.getLast()).isEqualTo(CrashWriterMain.report("rotating", 40));
        assertThat(kept).extracting(CrashReport::incarnation).isSorted()
                .containsExactlyElementsOf(IntStream.rangeClosed(41 - kept.size(), 40).mapToObj(i -> (long) i).toList());
    }

    @Test
    void aTornLastLineAndUnknownFieldsAndGarbageLinesAreTolerated() throws Exception {
        CrashHistory history = CrashHistory.open(dir, "torn");
        history.append(CrashWriterMain.report("torn", 1));
        String newer = "{\"tree\":\"torn\",\"child\":\"vllm\",\"incarnation\":2,\"time\":\"2026-11-23T07:00:00Z\","
                + "\"kind\":\"NCCL_TIMEOUT\",\"uptime\":\"PT1M\",\"severity\":\"alert\",\"gpus\":[0,1.5,true,{\"a\":null}]}\n";
        Files.writeString(history.file(), newer + "not json\n" + "{\"tree\":\"torn\",\"child\":\"vl", StandardOpenOption.APPEND);

        List<CrashReport> all = history.all();
        assertThat(all).hasSize(2);
        assertThat(all.getFirst()).isEqualTo(CrashWriterMain.report("torn", 1));
        CrashReport fromNewerWriter = all.get(1);
        assertThat(fromNewerWriter.kind()).isEqualTo("NCCL_TIMEOUT");
        assertThat(fromNewerWriter.time()).isEqualTo(Instant.parse("2026-11-23T07:00:00Z"));
        assertThat(fromNewerWriter.exit()).isEmpty();
        assertThat(fromNewerWriter.lastLines()).isEmpty();

        history.append(CrashWriterMain.report("torn", 3));                      // the torn line is closed off, not glued to
        assertThat(CrashHistory.open(dir, "torn").all()).extracting(CrashReport::incarnation).containsExactly(1L, 2L, 3L);
    }

    @Test
    void inFlightRequestsAreListedInTheOrderTheyBeganUntilTheyEnd() {
        InFlightRequests inFlight = new InFlightRequests();
        inFlight.begin("vllm", "r1");
        inFlight.begin("vllm", "r2");
        inFlight.begin("vllm", "r3");
        inFlight.begin("other", "o1");
        inFlight.end("vllm", "r2");
        inFlight.end("nobody", "r9");
        CrashReport report = CrashWriterMain.report("t", 1).withInFlightRequests(inFlight.snapshot("vllm"));
        assertThat(report.inFlightRequests()).containsExactly("r1", "r3");
        assertThat(inFlight.snapshot("unknown")).isEmpty();
    }

    @Test
    void badSettingsAndReportsAreRejectedNamingTheFieldAndValue() {
        assertThatThrownBy(() -> CrashHistory.open(dir, "t", 0, 3)).hasMessage("maxFileBytes must be 1 or more, was 0");
        assertThatThrownBy(() -> CrashHistory.open(dir, "t", 10, 0)).hasMessage("files must be 1 or more, was 0");
        assertThatThrownBy(() -> CrashHistory.open(dir, " ")).hasMessage("tree must not be blank, was ' '");
        assertThatThrownBy(() -> CrashHistory.open(dir, "a").append(CrashWriterMain.report("b", 1)))
                .hasMessage("report of tree 'b' appended to the history of tree 'a'");
        CrashReport r = CrashWriterMain.report("t", 1);
        assertThatThrownBy(() -> new CrashReport(r.tree(), r.child(), r.incarnation(), r.time(), " ", r.basis(), r.evidence(),
                r.matchedLine(), r.exit(), r.lastLines(), r.uptime(), r.rssBytes(), r.gpuBytes(), r.advice(), r.inFlightRequests()))
                .hasMessage("kind must not be blank, was ' '");
        assertThatThrownBy(() -> new CrashReport(r.tree(), r.child(), r.incarnation(), r.time(), r.kind(), r.basis(), "",
                r.matchedLine(), r.exit(), r.lastLines(), r.uptime(), r.rssBytes(), r.gpuBytes(), r.advice(), r.inFlightRequests()))
                .hasMessage("evidence must not be blank, was ''");
    }

    /**
     * How many KiB of {@code file} are dirty in the page cache: the file is mapped read-only and read through
     * (so that its pages are in the mapping), and {@code /proc/self/smaps} counts a mapped page as dirty when
     * the page cache holds it dirty. Earlier mappings of the file, not yet unmapped, count the same pages again.
     */
    private static long dirtyKib(Path file) throws IOException {
        String path = file.toRealPath().toString();
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).load();
        }
        long kib = 0;
        boolean ours = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("[0-9a-f]+-[0-9a-f]+ .*")) ours = line.endsWith(" " + path);       // a mapping's first line
            else if (ours && (line.startsWith("Shared_Dirty:") || line.startsWith("Private_Dirty:"))) {
                kib += Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        Reference.reachabilityFence(mapped);                       // mapped until smaps was read
        return kib;
    }

    /** Everything this JVM runs with; surefire puts the modules on the module path. */
    public static String classPath() {
        String modules = System.getProperty("jdk.module.path", "");
        String classes = System.getProperty("java.class.path", "");
        return modules.isEmpty() ? classes : classes.isEmpty() ? modules : modules + File.pathSeparator + classes;
    }
}
