package dev.supervision.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The journal's contract on a real PostgreSQL server ({@link PostgresServer}), each test in a schema of its own; and
 * what is PostgreSQL's own: a journal shared by two processes' journals, a server that cannot be reached, a newer schema.
 */
class PostgresJournalTest extends JournalContract {
    private PostgresServer server;
    private String schema;

    @BeforeEach
    void server() {
        server = PostgresServer.get().orElse(null);
        assumeTrue(server != null, () -> "no PostgreSQL server: " + PostgresServer.whyNot() + "; .ci/run installs Debian's postgresql");
        schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    PostgresJournalSpec.Builder spec() {
        return PostgresJournalSpec.builder(server.jdbcUrl()).schema(schema).clock(clock);
    }

    @Override
    Journal open(Duration retention) {
        return Journal.postgres(spec().retention(retention).build());
    }

    @Test
    void twoJournalsOnTheSameSchemaSeeEachOthersRequestsAndKeys() {
        Journal a = journal();
        Journal b = journal();
        JournaledRequest first = a.admit(request("shared-key", "{\"prompt\":\"hi\"}")).join().entry();
        assertThat(b.get(first.id())).contains(first);
        assertThat(b.admit(request("shared-key", "{\"prompt\":\"hi\"}")).join()).isInstanceOf(Admission.Duplicate.class)
                .extracting(Admission::entry).extracting(JournaledRequest::id).isEqualTo(first.id());
        b.markInFlight(first.id()).join();
        assertThat(a.get(first.id()).orElseThrow().state()).isEqualTo(RequestState.IN_FLIGHT);
    }

    @Test
    void aServerThatCannotBeReachedIsNamed() {
        assertThatThrownBy(() -> Journal.postgres(PostgresJournalSpec.builder("jdbc:postgresql://127.0.0.1:1/postgres").build()))
                .isInstanceOf(JournalException.class)
                .hasMessageContaining("journal jdbc:postgresql://127.0.0.1:1/postgres (schema supervision_journal) cannot be opened")
                .hasMessageContaining("Connection to 127.0.0.1:1 refused");
    }

    @Test
    void aNewerSchemaIsRefusedAndLeftAsItIs() throws Exception {
        journal().close();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("UPDATE " + schema + ".meta SET value = '99' WHERE key = 'schema'");
        }
        assertThatThrownBy(this::journal).isInstanceOf(JournalException.class)
                .hasMessageContaining("was written by a newer version (schema 99, this one reads 1); it was left as it is");
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> PostgresJournalSpec.builder("jdbc:mysql://x/y").build())
                .hasMessage("jdbcUrl: expected jdbc:postgresql://host:port/database, was 'jdbc:mysql://x/y'");
        assertThatThrownBy(() -> PostgresJournalSpec.builder("jdbc:postgresql://x/y").schema("a;drop").build())
                .hasMessage("schema: expected letters, digits and '_' (at most 63), was 'a;drop'");
        assertThat(PostgresJournalSpec.builder("jdbc:postgresql://x/y").credentials("app", "s3cret").build().toString())
                .doesNotContain("s3cret");
    }
}
