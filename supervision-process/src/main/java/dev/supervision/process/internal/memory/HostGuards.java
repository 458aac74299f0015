package dev.supervision.process.internal.memory;

import dev.supervision.process.ProcessEvent;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.spi.ChildContext;
import dev.supervision.spi.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the process children of one JVM share: one {@link GpuMemory} reader per {@code nvidia-smi} (so a
 * missing one is reported once), and one {@link EmergencyBrake} per distinct
 * {@link HostMemoryFloor}, made and started when the first child naming it launches and kept for the
 * life of the JVM (its counters of useless brakes must survive the restarts it causes). Thread-safe.
 */
public final class HostGuards {
    private static final Logger LOG = LoggerFactory.getLogger(HostGuards.class);

    private static final Map<Optional<Path>, GpuMemory> GPUS = new ConcurrentHashMap<>();

    private static final Map<HostMemoryFloor, Brake> BRAKES = new HashMap<>();

    private HostGuards() {}

    /** GPU memory readings from {@code nvidia-smi} (empty: the one on the PATH), one reader per executable. */
    public static GpuMemory gpu(Optional<Path> nvidiaSmi) {
        return GPUS.computeIfAbsent(nvidiaSmi, exe -> {
            Consumer<String> report = why -> LOG.warn("GPU memory guard: {}", why);
            return exe.isPresent() ? new GpuMemory(exe, Duration.ofSeconds(10), report) : GpuMemory.onPath(report);
        });
    }

    /** The brake of {@code floor}, started on first use. */
    public static Brake brake(HostMemoryFloor floor) {
        synchronized (BRAKES) {
            return BRAKES.computeIfAbsent(floor, Brake::new);
        }
    }

    /**
     * One floor's brake, and the latest context of every child that was ever its candidate (keyed by tree
     * and child id), to send them the alert even while they restart.
     */
    public static final class Brake {
        private final EmergencyBrake brake;
        private final Map<String, ChildContext> members = new ConcurrentHashMap<>();
        private final AtomicReference<Class<?>> lastTold = new AtomicReference<>();

        private Brake(HostMemoryFloor floor) {
            brake = new EmergencyBrake(floor, Scheduler.system(), HostMemory::read, this::told);
            brake.start();
        }

        /** Adds a candidate until the returned handle is run. */
        public Runnable join(EmergencyBrake.Candidate c, ChildContext ctx) {
            members.put(ctx.supervisor() + "\u0000" + c.name(), ctx);
            return brake.add(c);
        }

        private void told(EmergencyBrake.Outcome o) {
            boolean repeat = lastTold.getAndSet(o.getClass()) == o.getClass();
            switch (o) {
                case EmergencyBrake.Outcome.Braked b -> LOG.warn("host memory below the floor: restarting '{}', the largest"
                        + " tree ({} bytes RSS), brake {} in a row: {}", b.candidate(), b.candidateRssBytes(), b.consecutive(), b.trip());
                case EmergencyBrake.Outcome.GaveUp g -> {
                    LOG.error("ALERT host memory: {} brakes in a row freed less than the minimum; {} bytes available, floor {};"
                            + " braking suspended until memory is back above the floor", g.uselessBrakes(), g.availableBytes(), g.floorBytes());
                    ProcessEvent alert = new ProcessEvent.HostMemoryAlert(g.uselessBrakes(), g.availableBytes(), g.floorBytes());
                    members.values().forEach(ctx -> ctx.notify(alert));
                }
                case EmergencyBrake.Outcome.NoCandidate n when !repeat -> LOG.warn("host memory below the floor ({} bytes"
                        + " available, floor {}) and no supervised tree running to restart", n.availableBytes(), n.floorBytes());
                case EmergencyBrake.Outcome.Unsupported u -> LOG.warn("host memory floor: this platform cannot tell the"
                        + " available memory; the floor is not enforced");
                default -> { /* Suspended, repeats: told already */ }
            }
        }
    }
}
