package dev.supervision.process.internal.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.supervision.ManualScheduler;
import dev.supervision.process.guard.GuardTrip;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.internal.tree.ProcessRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The brake's logic, deterministic: fake candidates, a manual scheduler, and a host reading set by the test. */
class EmergencyBrakeTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    private static final long TOTAL = 32 * GIB;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final AtomicLong available = new AtomicLong(TOTAL);
    private final List<EmergencyBrake.Outcome> told = new CopyOnWriteArrayList<>();
    private final HostMemoryFloor floor = HostMemoryFloor.builder().floorBytes(2 * GIB)
            .coolDown(Duration.ofSeconds(30)).minRecoveredBytes(512 * MIB).maxUselessBrakes(3).build();

    /** A fake tree with a fixed RSS that records its restarts. */
    private static final class Fake implements EmergencyBrake.Candidate {
        final String name;
        final long rss;
        final List<GuardTrip> restarts = new ArrayList<>();

        Fake(String name, long rss) {
            this.name = name;
            this.rss = rss;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Optional<MemorySampler.TreeMemory> memory() {
            return Optional.of(new MemorySampler.TreeMemory(new ProcessRef(1, 1), rss, List.of(new ProcessRef(1, 1))));
        }

        @Override
        public void restart(GuardTrip trip) {
            restarts.add(trip);
        }
    }

    private EmergencyBrake brake(HostMemoryFloor f) {
        return new EmergencyBrake(f, scheduler, () -> Optional.of(new HostMemory.Snapshot(available.get(), TOTAL)), told::add);
    }

    @Test
    void tripsWhenTheFloorIsSetJustAboveTheHostsCurrentAvailableMemory() {
        HostMemory.Snapshot now = HostMemory.read().orElse(null);
        assumeTrue(now != null, "no host memory reading on this platform");
        EmergencyBrake brake = new EmergencyBrake(HostMemoryFloor.ofBytes(now.availableBytes() + GIB), scheduler,
                HostMemory::read, told::add);
        Fake small = new Fake("small", 100 * MIB);
        Fake big = new Fake("big", 900 * MIB);
        brake.add(small);
        brake.add(big);

        EmergencyBrake.Outcome o = brake.check();

        assertThat(o).isInstanceOf(EmergencyBrake.Outcome.Braked.class);
        assertThat(big.restarts).hasSize(1);
        assertThat(big.restarts.getFirst().kind()).isEqualTo(GuardTrip.Kind.HOST_MEMORY_FLOOR);
        assertThat(big.restarts.getFirst().measuredBytes()).isLessThan(big.restarts.getFirst().limitBytes());
        assertThat(small.restarts).isEmpty();
    }

    @Test
    void doesNothingAboveTheFloor() {
        EmergencyBrake brake = brake(floor);
        Fake a = new Fake("a", GIB);
        brake.add(a);
        assertThat(brake.check()).isEqualTo(new EmergencyBrake.Outcome.AboveFloor(TOTAL, 2 * GIB));
        assertThat(a.restarts).isEmpty();
    }

    @Test
    void restartsTheLargestOffenderFirst() {
        EmergencyBrake brake = brake(floor);
        Fake trial = new Fake("trial", 200 * MIB);
        Fake worker = new Fake("worker", 15 * GIB);
        Fake other = new Fake("other", 3 * GIB);
        brake.add(trial);
        brake.add(worker);
        brake.add(other);
        available.set(GIB);

        EmergencyBrake.Outcome o = brake.check();

        assertThat(o).isInstanceOfSatisfying(EmergencyBrake.Outcome.Braked.class, b -> {
            assertThat(b.candidate()).isEqualTo("worker");
            assertThat(b.candidateRssBytes()).isEqualTo(15 * GIB);
            assertThat(b.consecutive()).isEqualTo(1);
            assertThat(b.trip()).isEqualTo(new GuardTrip(GuardTrip.Kind.HOST_MEMORY_FLOOR, GIB, 2 * GIB, List.of(1L)));
        });
        assertThat(worker.restarts).hasSize(1);
        assertThat(trial.restarts).isEmpty();
        assertThat(other.restarts).isEmpty();
    }

    @Test
    void brakesNoMoreDuringTheCoolDown() {
        EmergencyBrake brake = brake(floor);
        Fake a = new Fake("a", GIB);
        brake.add(a);
        available.set(GIB);
        brake.check();

        scheduler.advance(Duration.ofSeconds(29));
        assertThat(brake.check()).isEqualTo(new EmergencyBrake.Outcome.CoolingDown(Duration.ofSeconds(1)));
        assertThat(a.restarts).hasSize(1);

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(brake.check()).isInstanceOf(EmergencyBrake.Outcome.Braked.class);
        assertThat(a.restarts).hasSize(2);
    }

    @Test
    void stopsBrakingAndAlertsOnceAfterBrakesThatFreeNothing() {
        // Seed 003: the brake fired 951 times while the memory stayed at 94 %.
        EmergencyBrake brake = brake(floor);
        Fake a = new Fake("a", GIB);
        brake.add(a);
        available.set(GIB);
        List<EmergencyBrake.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            outcomes.add(brake.check());
            scheduler.advance(Duration.ofSeconds(30));
        }

        assertThat(a.restarts).hasSize(3);
        assertThat(outcomes.subList(0, 3)).allMatch(EmergencyBrake.Outcome.Braked.class::isInstance);
        assertThat(outcomes.get(3)).isEqualTo(new EmergencyBrake.Outcome.GaveUp(3, GIB, 2 * GIB));
        assertThat(outcomes.subList(4, 20)).allMatch(EmergencyBrake.Outcome.Suspended.class::isInstance);

        available.set(4 * GIB);
        assertThat(brake.check()).isInstanceOf(EmergencyBrake.Outcome.AboveFloor.class);
        available.set(GIB);
        assertThat(brake.check()).isInstanceOfSatisfying(EmergencyBrake.Outcome.Braked.class,
                b -> assertThat(b.consecutive()).isEqualTo(1));
    }

    @Test
    void aBrakeThatFreesEnoughResetsTheUselessCount() {
        EmergencyBrake brake = brake(HostMemoryFloor.builder().floorBytes(8 * GIB).minRecoveredBytes(512 * MIB).maxUselessBrakes(3).build());
        Fake a = new Fake("a", GIB);
        brake.add(a);
        long level = 100 * MIB;
        for (int i = 0; i < 10; i++) {
            // Each brake frees 600 MiB, but memory stays below the floor (something else keeps growing).
            available.set(level);
            assertThat(brake.check()).isInstanceOf(EmergencyBrake.Outcome.Braked.class);
            scheduler.advance(Duration.ofSeconds(30));
            level += 600 * MIB;
            available.set(level);
        }
        assertThat(a.restarts).hasSize(10);
    }

    @Test
    void withNoRunningCandidateItReportsInsteadOfBraking() {
        EmergencyBrake brake = brake(floor);
        brake.add(new EmergencyBrake.Candidate() {
            @Override
            public String name() {
                return "stopped";
            }

            @Override
            public Optional<MemorySampler.TreeMemory> memory() {
                return Optional.empty();
            }

            @Override
            public void restart(GuardTrip trip) {
                throw new AssertionError("a stopped candidate must not be restarted");
            }
        });
        available.set(GIB);
        assertThat(brake.check()).isEqualTo(new EmergencyBrake.Outcome.NoCandidate(GIB, 2 * GIB));
    }

    @Test
    void aRemovedCandidateIsNeverChosen() {
        EmergencyBrake brake = brake(floor);
        Fake big = new Fake("big", 10 * GIB);
        Fake small = new Fake("small", GIB);
        Runnable removeBig = brake.add(big);
        brake.add(small);
        removeBig.run();
        available.set(GIB);
        brake.check();
        assertThat(big.restarts).isEmpty();
        assertThat(small.restarts).hasSize(1);
    }

    @Test
    void aFloorAsAFractionOfTotalMemoryBrakesAtThatLevel() {
        EmergencyBrake brake = brake(HostMemoryFloor.ofFraction(0.06));
        Fake a = new Fake("a", GIB);
        brake.add(a);
        long floorBytes = (long) (0.06 * TOTAL);
        available.set(floorBytes);
        assertThat(brake.check()).isInstanceOf(EmergencyBrake.Outcome.AboveFloor.class);
        available.set(floorBytes - 1);
        assertThat(brake.check()).isInstanceOf(EmergencyBrake.Outcome.Braked.class);
    }

    @Test
    void checksOnTheSchedulersIntervalAndTellsTheListenerOfBrakesOnly() {
        EmergencyBrake brake = brake(floor.toBuilder().interval(Duration.ofSeconds(1)).build());
        Fake a = new Fake("a", GIB);
        brake.add(a);
        brake.start();
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(told).isEmpty();

        available.set(GIB);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(told).singleElement().isInstanceOf(EmergencyBrake.Outcome.Braked.class);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(told).hasSize(1);

        brake.close();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void anUnsupportedPlatformIsReportedOnceAndNeverBrakes() {
        EmergencyBrake brake = new EmergencyBrake(floor, scheduler, Optional::empty, told::add);
        Fake a = new Fake("a", GIB);
        brake.add(a);
        brake.start();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(told).singleElement().isInstanceOf(EmergencyBrake.Outcome.Unsupported.class);
        assertThat(a.restarts).isEmpty();
        brake.close();
    }
}
