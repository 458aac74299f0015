package dev.supervision.process.internal.memory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Before a GPU child is restarted: waits, bounded, until none of the dead tree's pids holds GPU memory
 * any more. The driver frees a dead process's memory asynchronously (seconds for a large vLLM tree), and a
 * restart before that fails with vLLM's "Free memory on device … is less than desired".
 *
 * <p>Blocks the calling thread (polls with {@link Thread#sleep}, fine on a virtual thread); thread-safe.
 * Give it the pids from the tree's last sample taken while it lived (a dead root has no descendants to
 * find); pids still alive that are reused by unrelated processes would only lengthen the wait, bounded.
 */
public final class GpuReleaseWaiter {
    private final GpuMemory gpu;
    private final Duration poll;

    /** What the wait ended with. */
    public sealed interface Outcome {
        /** None of the pids holds GPU memory: restart now. {@code waited} is zero when they held none already. */
        record Released(Duration waited) implements Outcome {}

        /** The timeout passed with these pids still holding these bytes. */
        record StillHeld(Map<Long, Long> bytesByPid, Duration waited) implements Outcome {
            public StillHeld {
                bytesByPid = Map.copyOf(bytesByPid);
            }
        }

        /** No reading could be had (no {@code nvidia-smi}, or it kept failing until the timeout). */
        record Unsupported(String why) implements Outcome {}
    }

    /**
     * @param gpu  where readings come from
     * @param poll the pause between readings
     */
    public GpuReleaseWaiter(GpuMemory gpu, Duration poll) {
        this.gpu = Objects.requireNonNull(gpu, "gpu");
        this.poll = Objects.requireNonNull(poll, "poll");
    }

    /**
     * Waits until none of {@code pids} holds GPU memory, at most {@code timeout}. Returns
     * {@link Outcome.Unsupported} at once when there is no {@code nvidia-smi}; a failing one is retried
     * until the timeout.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public Outcome await(Collection<Long> pids, Duration timeout) throws InterruptedException {
        List<Long> watched = List.copyOf(pids);
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            GpuMemory.Reading r = gpu.read();
            long now = System.nanoTime();
            Duration waited = Duration.ofNanos(now - start);
            switch (r) {
                case GpuMemory.Reading.Unavailable u when u.permanent() -> {
                    return new Outcome.Unsupported(u.why());
                }
                case GpuMemory.Reading.Unavailable u -> {
                    if (now - deadline >= 0) {
                        return new Outcome.Unsupported(u.why());
                    }
                }
                case GpuMemory.Reading.Apps apps -> {
                    Map<Long, Long> held = new HashMap<>();
                    for (long pid : watched) {
                        Long b = apps.bytesByPid().get(pid);
                        if (b != null) {
                            held.put(pid, b);
                        }
                    }
                    if (held.isEmpty()) {
                        return new Outcome.Released(waited);
                    }
                    if (now - deadline >= 0) {
                        return new Outcome.StillHeld(held, waited);
                    }
                }
            }
            Thread.sleep(Math.max(1, Math.min(poll.toMillis(), (deadline - now) / 1_000_000 + 1)));
        }
    }
}
