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

    /** The lock file proves the previous process is gone: what it left unfinished is the next journal's, taken at its first write. */
    @Test
    void theNextJournalOnTheFileTakesOverWhatThePreviousLeftUnfinished() {
        Journal first = sqlite(JournalSpec.builder(dir.resolve("journal.db")).clock(clock).owner("first").build());
        String id = first.admit(request(null, "left")).join().entry().id();
        first.markInFlight(id).join();
        first.close();
        Journal next = sqlite(JournalSpec.builder(dir.resolve("journal.db")).clock(clock).owner("next").build());
        assertThat(next.exclusive()).isTrue();
        assertThat(next.get(id).orElseThrow().lease().owner()).isEqualTo("first");          // nothing written at open
        assertThat(next.requeue(id, "the proxy stopped while it was in flight").join().lease()).satisfies(l -> {
            assertThat(l.owner()).isEqualTo("next");
            assertThat(l.token()).isEqualTo(2);
        });
        assertThat(next.markInFlight(id).join().attempts()).isEqualTo(2);
    }

    /** A journal written by the first version (no leases) is brought up to this one's schema, its requests kept. */
    @Test
    void aVersionOneJournalIsMigratedAndKept() throws Exception {
        Path file = dir.resolve("v1.db");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("CREATE TABLE requests (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, idempotency_key TEXT UNIQUE,"
                    + " fingerprint TEXT NOT NULL, method TEXT NOT NULL, target TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,"
                    + " state TEXT NOT NULL, attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
                    + " last_error TEXT, response_status INTEGER, response_headers TEXT, response_body BLOB)");
            s.execute("CREATE INDEX requests_by_state ON requests (state, seq)");
            s.execute("INSERT INTO meta VALUES ('schema', '1')");
            s.execute("INSERT INTO requests (id, idempotency_key, fingerprint, method, target, headers, body, state, attempts, created_at,"
                    + " updated_at) VALUES ('old-1', 'k-old', 'f', 'POST', '/v1/chat/completions', '', X'7B7D', 'PENDING', 0, 1, 1)");
        }
        Journal j = sqlite(JournalSpec.builder(file).clock(clock).owner("upgraded").build());
        assertThat(j.get("old-1").orElseThrow()).satisfies(e -> {
            assertThat(e.state()).isEqualTo(RequestState.PENDING);
            assertThat(e.request().idempotencyKey()).contains("k-old");
            assertThat(e.lease().owner()).isEmpty();                 // a version-1 request: held by nobody
        });
        assertThat(j.unfinished()).extracting(JournaledRequest::id).containsExactly("old-1");
        j.close();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("2");
        }
    }
}
