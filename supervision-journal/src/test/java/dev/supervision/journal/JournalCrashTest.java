package dev.supervision.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the journal promises when things go wrong for real: a writer JVM killed with kill -9, a second process, a full disk. */
class JournalCrashTest {
    @TempDir Path dir;

    private static Process writerJvm(Path file) throws Exception {
        List<String> cp = new ArrayList<>();
        for (String key : new String[] {"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(key);
            if (v != null && !v.isBlank()) cp.add(v);
        }
        cp.add(Path.of("target", "test-classes").toAbsolutePath().toString());
        // sqlite-jdbc loads its native library: native access for it, or Java 24+ warns on stderr.
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp",
                String.join(File.pathSeparator, cp), JournalWriterMain.class.getName(), file.toString()).redirectErrorStream(true).start();
    }

    /**
     * Every request whose commit was acknowledged in the writer JVM is in the journal after that JVM was killed with
     * SIGKILL in the middle of its writes, and while it ran no other process could open the journal.
     */
    @Test
    void everyAcknowledgedRequestSurvivesAKillMinus9OfTheWriterAndTheJournalIsItsAlone() throws Exception {
        Path file = dir.resolve("journal.db");
        Process jvm = writerJvm(file);
        Set<String> acked = new HashSet<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertThat(line).as("the writer opened the journal").isEqualTo("open");
            assertThatThrownBy(() -> Journal.sqlite(JournalSpec.builder(file).build())).isInstanceOf(JournalException.class)
                    .hasMessageContaining("journal " + file.toAbsolutePath() + " is in use by another process (pid " + jvm.pid() + ")");
            while ((line = out.readLine()) != null) {
                if (line.startsWith("acked ")) acked.add(line.split(" ")[1]);
                else other.add(line);
                if (acked.size() == 3000) jvm.toHandle().destroyForcibly(); // SIGKILL mid-stream (the handle: the pipe stays open)
            }
        } finally {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(jvm.exitValue()).as(String.join("\n", other)).isEqualTo(137);
        try (Journal j = Journal.sqlite(JournalSpec.builder(file).build())) {
            Set<String> stored = j.unfinished().stream().map(JournaledRequest::id).collect(Collectors.toSet());
            assertThat(acked).hasSizeGreaterThanOrEqualTo(3000);
            assertThat(stored).as("every acknowledged request is stored").containsAll(acked);
            assertThat(j.counts().pending()).isEqualTo(stored.size());
        }
    }

    /**
     * A disk that fills up: the write that cannot be committed fails with the reason, nothing it carried is
     * acknowledged, and every request acknowledged before is still there. A real 1 MiB tmpfs (mounting needs root).
     */
    @Test
    void aFullDiskFailsTheWritesThatCannotBeCommittedAndKeepsTheOthers() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()).redirectErrorStream(true).start();
        String why = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assumeTrue(m.waitFor() == 0, "cannot mount a small tmpfs here (" + why + "): a full disk was not tested");
        try {
            Path file = mount.resolve("journal.db");
            List<String> acked = new ArrayList<>();
            JournalException full = null;
            try (Journal j = Journal.sqlite(JournalSpec.builder(file).maxBatch(1).build())) {
                for (int i = 0; i < 10_000 && full == null; i++) {
                    CompletableFuture<Admission> f = j.admit(new NewRequest(Optional.empty(), "POST", "/v1/completions", List.of(),
                            ("x".repeat(4000) + i).getBytes(StandardCharsets.UTF_8)));
                    try {
                        acked.add(f.join().entry().id());
                    } catch (CompletionException e) {
                        assertThat(e.getCause()).isInstanceOf(JournalException.class);
                        full = (JournalException) e.getCause();
                    }
                }
                assertThat(full).as("the disk filled up").isNotNull();
                assertThat(full).hasMessageContaining("journal " + file.toAbsolutePath()).hasMessageContaining("none of them is stored")
                        .hasMessageContaining("disk is full");
                assertThat(acked).hasSizeGreaterThan(10);
                assertThat(j.unfinished()).extracting(JournaledRequest::id).containsExactlyElementsOf(acked);
            }
            try (Journal again = Journal.sqlite(JournalSpec.builder(file).build())) {
                assertThat(again.unfinished()).extracting(JournaledRequest::id).containsExactlyElementsOf(acked);
            }
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor();
        }
    }
}
