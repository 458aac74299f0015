package dev.supervision.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The journal's contract, run over every backend (SQLite on real files, PostgreSQL on a real server): what it commits,
 * the states a request moves through, idempotency keys, retention, order, what is there after reopening. A backend's
 * test extends it with {@link #open} and adds what is its own.
 */
abstract class JournalContract {
    final ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z"));
    final List<Journal> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Journal::close);
    }

    /** Opens the backend's journal for this test (the same storage at every call), with this retention and {@link #clock}. */
    abstract Journal open(Duration retention);

    final Journal journal() {
        return journal(JournalSpec.DEFAULT_RETENTION);
    }

    final Journal journal(Duration retention) {
        Journal j = open(retention);
        open.add(j);
        return j;
    }

    static NewRequest request(String key, String body) {
        return new NewRequest(Optional.ofNullable(key), "POST", "/v1/chat/completions",
                List.of(new Header("Content-Type", "application/json"), new Header("Authorization", "Bearer sk-test")),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anAdmittedRequestIsCommittedPendingAndReadBackAsReceived() {
        Journal j = journal();
        Admission a = j.admit(request(null, "{\"prompt\":\"hi\"}")).join();
        assertThat(a).isInstanceOf(Admission.Admitted.class);
        JournaledRequest e = a.entry();
        assertThat(e.state()).isEqualTo(RequestState.PENDING);
        assertThat(e.attempts()).isZero();
        assertThat(e.createdAt()).isEqualTo(clock.instant());
        assertThat(e.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(j.get(e.id())).contains(e);
        assertThat(j.get(e.id()).orElseThrow().request()).isEqualTo(request(null, "{\"prompt\":\"hi\"}"));
        assertThat(j.unfinished()).containsExactly(e);
        assertThat(j.counts()).isEqualTo(new JournalCounts(1, 0, 0, 0, 0));
    }

    @Test
    void aRequestMovesThroughItsStatesAndEachMoveIsStamped() {
        Journal j = journal();
        String id = j.admit(request(null, "a")).join().entry().id();
        clock.advance(Duration.ofSeconds(1));
        assertThat(j.markInFlight(id).join()).satisfies(e -> {
            assertThat(e.state()).isEqualTo(RequestState.IN_FLIGHT);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.updatedAt()).isEqualTo(clock.instant());
        });
        assertThat(j.requeue(id, "upstream crashed: exit 134").join()).satisfies(e -> {
            assertThat(e.state()).isEqualTo(RequestState.PENDING);
            assertThat(e.lastError()).contains("upstream crashed: exit 134");
        });
        assertThat(j.markInFlight(id).join().attempts()).isEqualTo(2);
        StoredResponse answer = new StoredResponse(200, List.of(new Header("Content-Type", "application/json")),
                "{\"choices\":[]}".getBytes(StandardCharsets.UTF_8));
        assertThat(j.complete(id, answer).join()).satisfies(e -> {
            assertThat(e.state()).isEqualTo(RequestState.COMPLETED);
            assertThat(e.response()).contains(answer);
        });
        assertThat(j.unfinished()).isEmpty();
        assertThat(j.counts()).isEqualTo(new JournalCounts(0, 0, 1, 0, 0));
    }

    @Test
    void deadLettersAreKeptWithTheirReasonAndCanBeRevived() {
        Journal j = journal();
        String id = j.admit(request(null, "poison")).join().entry().id();
        j.markInFlight(id).join();
        assertThat(j.deadLetter(id, "crashed the server on its own twice").join().state()).isEqualTo(RequestState.DEAD_LETTERED);
        assertThat(j.deadLetters()).singleElement().satisfies(e -> assertThat(e.lastError()).contains("crashed the server on its own twice"));
        assertThat(j.unfinished()).isEmpty();
        assertThat(j.revive(id).join()).satisfies(e -> {
            assertThat(e.state()).isEqualTo(RequestState.PENDING);
            assertThat(e.attempts()).isZero();
        });
        assertThat(j.deadLetters()).isEmpty();
    }

    @Test
    void aMoveFromTheWrongStateFailsAloneAndNamesTheStates() {
        Journal j = journal();
        String done = j.admit(request(null, "x")).join().entry().id();
        j.complete(done, new StoredResponse(200, List.of(), new byte[0])).join();
        // Queued together, so committed in one transaction: the bad move fails alone, the others are committed.
        CompletableFuture<Admission> before = j.admit(request(null, "before"));
        CompletableFuture<JournaledRequest> bad = j.markInFlight(done);
        CompletableFuture<JournaledRequest> unknown = j.requeue("no-such-id", "x");
        CompletableFuture<Admission> after = j.admit(request(null, "after"));
        assertThatThrownBy(bad::join).hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot mark in flight request " + done + ": it is COMPLETED, expected one of [PENDING, IN_FLIGHT]");
        assertThatThrownBy(unknown::join).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the journal has no such request");
        assertThat(j.get(before.join().entry().id())).isPresent();
        assertThat(j.get(after.join().entry().id())).isPresent();
        assertThat(j.get(done).orElseThrow().state()).isEqualTo(RequestState.COMPLETED);
    }

    @Test
    void anIdempotencyKeyAnswersARetryWithTheFirstRequestAndRefusesAnotherPayload() {
        Journal j = journal();
        JournaledRequest first = j.admit(request("key-1", "{\"prompt\":\"hi\"}")).join().entry();
        Admission retry = j.admit(request("key-1", "{\"prompt\":\"hi\"}")).join();
        assertThat(retry).isInstanceOf(Admission.Duplicate.class);
        assertThat(retry.entry().id()).isEqualTo(first.id());
        Admission other = j.admit(request("key-1", "{\"prompt\":\"bye\"}")).join();
        assertThat(other).isInstanceOf(Admission.KeyReused.class);
        assertThat(other.entry().id()).isEqualTo(first.id());
        // Headers are not part of the payload: a client's retry may differ in them.
        NewRequest otherHeaders = new NewRequest(Optional.of("key-1"), "POST", "/v1/chat/completions", List.of(),
                "{\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(j.admit(otherHeaders).join()).isInstanceOf(Admission.Duplicate.class);
        assertThat(j.counts().pending()).isEqualTo(1);
        assertThat(j.byIdempotencyKey("key-1")).map(JournaledRequest::id).contains(first.id());
        // Without a key every request is new.
        assertThat(j.admit(request(null, "{\"prompt\":\"hi\"}")).join()).isInstanceOf(Admission.Admitted.class);
        assertThat(j.admit(request(null, "{\"prompt\":\"hi\"}")).join()).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void finishedRequestsArePrunedAfterTheRetentionAndTheirKeysFreed() {
        Journal j = journal(Duration.ofHours(1));
        String done = j.admit(request("k-done", "a")).join().entry().id();
        j.complete(done, new StoredResponse(200, List.of(), new byte[0])).join();
        String failed = j.admit(request("k-failed", "b")).join().entry().id();
        j.fail(failed, "400 from upstream: the request's own", Optional.empty()).join();
        String dead = j.admit(request("k-dead", "c")).join().entry().id();
        j.deadLetter(dead, "poison").join();
        String pending = j.admit(request("k-pending", "d")).join().entry().id();

        assertThat(j.prune(clock.instant().plus(Duration.ofMinutes(59))).join()).isZero();
        assertThat(j.prune(clock.instant().plus(Duration.ofMinutes(61))).join()).isEqualTo(2);
        assertThat(j.get(done)).isEmpty();
        assertThat(j.get(failed)).isEmpty();
        assertThat(j.get(dead)).isPresent();                 // dead letters wait for an operator
        assertThat(j.get(pending)).isPresent();              // unfinished work is never pruned
        assertThat(j.admit(request("k-done", "something else")).join()).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void whatWasCommittedIsThereAfterReopening() {
        Journal j = journal();
        List<String> ids = IntStream.range(0, 100).mapToObj(i -> j.admit(request("k" + i, "body " + i)))
                .map(CompletableFuture::join).map(a -> a.entry().id()).toList();
        j.markInFlight(ids.get(0)).join();
        j.close();
        Journal again = journal();
        assertThat(again.unfinished()).extracting(JournaledRequest::id).containsExactlyElementsOf(ids);
        assertThat(again.get(ids.get(0)).orElseThrow().state()).isEqualTo(RequestState.IN_FLIGHT);
    }

    @Test
    void aClosedJournalRefusesWritesAndReads() {
        Journal j = journal();
        j.close();
        assertThatThrownBy(() -> j.admit(request(null, "late")).join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(JournalException.class).hasMessageContaining(" is closed");
        assertThatThrownBy(j::counts).isInstanceOf(JournalException.class).hasMessageContaining(" is closed");
    }

    @Test
    void anAdmittedRequestIsLeasedToItsJournalWhichRenewsWhatItOwns() {
        Journal j = journal();
        JournaledRequest e = j.admit(request(null, "leased")).join().entry();
        assertThat(e.lease()).isEqualTo(new Lease(j.owner(), 1, clock.instant().plus(JournalSpec.DEFAULT_LEASE)));
        assertThat(j.get(e.id()).orElseThrow().lease()).isEqualTo(e.lease());
        clock.advance(Duration.ofSeconds(5));
        assertThat(j.renew().join()).isEqualTo(1);
        assertThat(j.get(e.id()).orElseThrow().lease().until()).isEqualTo(clock.instant().plus(JournalSpec.DEFAULT_LEASE));
        j.complete(e.id(), new StoredResponse(200, List.of(), new byte[0])).join();
        assertThat(j.renew().join()).as("a finished request needs no lease").isZero();
        assertThat(j.takeOver(10).join()).as("nothing of another's").isEmpty();
    }
}
