package dev.supervision.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's contract on SQLite, on real files; and what is SQLite's own: the file, its lock, its corruption. */
class SqliteJournalTest extends JournalContract {
    @TempDir Path dir;

    @Override
    Journal open(Duration retention) {
        return Journal.sqlite(JournalSpec.builder(dir.resolve("journal.db")).clock(clock).retention(retention).build());
    }

    private Journal sqlite(JournalSpec spec) {
        Journal j = Journal.sqlite(spec);
        open.add(j);
        return j;
    }

    @Test
    void aClosedJournalNamesItsFile() {
        Journal j = journal();
        j.close();
        assertThatThrownBy(() -> j.admit(request(null, "late")).join()).isInstanceOf(CompletionException.class)
                .hasMessageContaining("journal.db is closed");
    }

    @Test
    void badSettingsAndRequestsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> JournalSpec.builder(dir.resolve("j.db")).retention(Duration.ZERO).build())
                .hasMessage("retention: expected > 0, was PT0S");
        assertThatThrownBy(() -> JournalSpec.builder(dir.resolve("j.db")).maxBatch(0).build()).hasMessage("maxBatch: expected 1..100000, was 0");
        assertThatThrownBy(() -> new NewRequest(Optional.of(""), "POST", "/", List.of(), new byte[0]))
                .hasMessage("idempotencyKey: expected 1 to 255 characters, was 0");
        assertThatThrownBy(() -> new NewRequest(Optional.empty(), "PO ST", "/", List.of(), new byte[0]))
                .hasMessage("method: expected an HTTP token such as POST, was 'PO ST'");
        assertThatThrownBy(() -> new NewRequest(Optional.empty(), "POST", "v1", List.of(), new byte[0]))
                .hasMessage("target: expected a path starting with '/', was 'v1'");
        assertThatThrownBy(() -> new Header("X-Evil", "a\r\nInjected: yes")).hasMessage("header 'X-Evil': a value must not hold a line break");
        assertThatThrownBy(() -> new StoredResponse(42, List.of(), new byte[0])).hasMessage("status: expected 100..599, was 42");
    }

    @Test
    void aFileThatIsNotAJournalIsRefusedAndLeftAsItIs() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.db"), "these are my notes, not a database\n");
        assertThatThrownBy(() -> sqlite(JournalSpec.builder(notes).build())).isInstanceOf(JournalException.class)
                .hasMessageContaining("journal " + notes + " is not an SQLite database")
                .hasMessageContaining("move it aside");
        assertThat(Files.readString(notes)).isEqualTo("these are my notes, not a database\n");
    }

    @Test
    void aCorruptJournalIsRefusedAndLeftAsItIs() throws Exception {
        Path file = dir.resolve("journal.db");
        Journal j = journal();
        for (int i = 0; i < 200; i++) j.admit(request(null, "x".repeat(2000) + i));
        j.admit(request(null, "last")).join();
        j.close();
        // Overwrite a page in the middle of the file, keeping the header: what a bad disk or a stray write does.
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).isGreaterThan(3 * 4096);
        for (int i = 2 * 4096; i < 3 * 4096; i++) bytes[i] = (byte) 0xA5;
        Files.write(file, bytes);
        assertThatThrownBy(() -> sqlite(JournalSpec.builder(file).build())).isInstanceOf(JournalException.class)
                .hasMessageContaining("journal " + file + " is corrupt").hasMessageContaining("left as it is");
        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }
}
