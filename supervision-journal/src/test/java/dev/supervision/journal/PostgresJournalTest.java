package dev.supervision.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
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
        a.markInFlight(first.id()).join();
        assertThat(b.get(first.id()).orElseThrow().state()).isEqualTo(RequestState.IN_FLIGHT);
        assertThatThrownBy(() -> b.complete(first.id(), new StoredResponse(200, List.of(), new byte[0])).join())
                .as("a's, its lease running").hasCauseInstanceOf(FencedException.class);
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
                .hasMessageContaining("was written by a newer version (schema 99, this one reads 2); it was left as it is");
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

    /**
     * Two replicas on one journal: the one that stops renewing (here: its lease of 10 min, the clock moved past it) loses
     * its requests to the other, which takes them over with a higher fencing token; from then on the first one's writes
     * about them are refused and nothing it writes lands.
     */
    @Test
    void aReplicaTakesOverWhatAnotherDidNotRenewAndFencesItsWrites() {
        Journal a = register(Journal.postgres(spec().owner("replica-a").lease(Duration.ofMinutes(10)).build()));
        Journal b = register(Journal.postgres(spec().owner("replica-b").build()));
        String sent = a.admit(request(null, "sent")).join().entry().id();
        String waiting = a.admit(request(null, "waiting")).join().entry().id();
        a.markInFlight(sent).join();
        assertThat(b.takeOver(10).join()).as("a's leases run").isEmpty();

        clock.advance(Duration.ofMinutes(11));
        List<JournaledRequest> taken = b.takeOver(10).join();
        assertThat(taken).extracting(JournaledRequest::id).containsExactly(sent, waiting);
        assertThat(taken).allSatisfy(e -> {
            assertThat(e.lease().owner()).isEqualTo("replica-b");
            assertThat(e.lease().token()).isEqualTo(2);
            assertThat(e.state()).isEqualTo(RequestState.PENDING);
            assertThat(e.lastError()).contains("taken over from replica-a: its lease ran out");
        });
        assertThatThrownBy(() -> a.complete(sent, new StoredResponse(200, List.of(), "late".getBytes())).join())
                .hasCauseInstanceOf(FencedException.class)
                .hasMessageContaining("cannot complete request " + sent + ": replica-b holds it (fencing token 2), not this journal"
                        + " (replica-a); only its holder writes about it");
        assertThat(a.renew().join()).isZero();
        b.markInFlight(sent).join();
        assertThat(b.complete(sent, new StoredResponse(200, List.of(), "done".getBytes())).join().response().orElseThrow().body())
                .isEqualTo("done".getBytes());
        assertThat(a.get(sent).orElseThrow().attempts()).isEqualTo(2);
    }

    /** Replicas taking over at the same time take disjoint requests (FOR UPDATE SKIP LOCKED), all of them between them. */
    @Test
    void replicasTakingOverTogetherTakeEachRequestOnce() {
        Journal dead = register(Journal.postgres(spec().owner("dead").lease(Duration.ofMinutes(10)).build()));
        List<String> ids = java.util.stream.IntStream.range(0, 60).mapToObj(i -> dead.admit(request(null, "r" + i)))
                .map(java.util.concurrent.CompletableFuture::join).map(x -> x.entry().id()).toList();
        clock.advance(Duration.ofMinutes(11));
        Journal b = register(Journal.postgres(spec().owner("b").build()));
        Journal c = register(Journal.postgres(spec().owner("c").build()));
        var byB = b.takeOver(40);
        var byC = c.takeOver(40);
        List<String> tb = byB.join().stream().map(JournaledRequest::id).toList();
        List<String> tc = byC.join().stream().map(JournaledRequest::id).toList();
        assertThat(tb).doesNotContainAnyElementsOf(tc);
        assertThat(new java.util.ArrayList<>(tb) {{ addAll(tc); }}).containsExactlyInAnyOrderElementsOf(ids);
    }

    /** Two replicas admitting the same keys at the same moment: each key journaled once, the other admission a duplicate. */
    @Test
    void replicasAdmittingTheSameKeyTogetherJournalItOnce() {
        Journal a = register(Journal.postgres(spec().owner("a").build()));
        Journal b = register(Journal.postgres(spec().owner("b").build()));
        for (int i = 0; i < 50; i++) {
            var fromA = a.admit(request("same-" + i, "{\"n\":" + i + "}"));
            var fromB = b.admit(request("same-" + i, "{\"n\":" + i + "}"));
            List<Admission> both = List.of(fromA.join(), fromB.join());
            assertThat(both).filteredOn(x -> x instanceof Admission.Admitted).as("key same-" + i).hasSize(1);
            assertThat(both).filteredOn(x -> x instanceof Admission.Duplicate).hasSize(1);
            assertThat(both.get(0).entry().id()).isEqualTo(both.get(1).entry().id());
        }
        assertThat(a.counts().pending()).isEqualTo(50);
    }

    /**
     * The server stopped as a crash and started again: what was committed before is there; a write during the outage
     * fails (nothing acknowledged); the journal opens its connections again and the writes after it are committed.
     */
    @Test
    void aServerRestartLosesNothingCommittedAndTheJournalReconnects() throws Exception {
        assumeTrue(server.port() > 0, "SUPERVISION_PG_URL names a server these tests cannot restart");
        Journal j = journal();
        List<String> before = java.util.stream.IntStream.range(0, 20).mapToObj(i -> j.admit(request("before-" + i, "b" + i)))
                .map(java.util.concurrent.CompletableFuture::join).map(a -> a.entry().id()).toList();
        java.util.concurrent.atomic.AtomicReference<Throwable> duringOutage = new java.util.concurrent.atomic.AtomicReference<>();
        server.restart(() -> {
            try {
                j.admit(request("during", "d")).join();
            } catch (RuntimeException e) {
                duringOutage.set(e.getCause());
            }
        });
        assertThat(duringOutage.get()).as("a write while the server is down is not acknowledged").isInstanceOf(JournalException.class)
                .hasMessageContaining("none of them is stored");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> j.admit(request("after", "a")).join() instanceof Admission.Admitted);
        assertThat(j.unfinished()).extracting(JournaledRequest::id).containsAll(before);
        assertThat(j.byIdempotencyKey("during")).as("what failed was not stored").isEmpty();
        assertThat(j.byIdempotencyKey("after")).isPresent();
    }

    private Journal register(Journal j) {
        open.add(j);
        return j;
    }
}
