package dev.supervision;

import dev.supervision.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Scheduler} whose time moves only when {@link #advance} is called: the test clock.
 * Thread-safe. Due tasks run on the thread that calls {@code advance}, in due-time order (then in
 * scheduling order); since supervisors only post messages from tasks, outcomes are then awaited on
 * the supervisor (for example with Awaitility).
 */
public final class ManualScheduler implements Scheduler {
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now;
    private long seq;

    @Override
    public long nanoTime() {
        lock.lock();
        try { return now; } finally { lock.unlock(); }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        lock.lock();
        try {
            Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
            tasks.add(t);
            return () -> { lock.lock(); try { tasks.remove(t); } finally { lock.unlock(); } };
        } finally { lock.unlock(); }
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        long target;
        lock.lock();
        try { target = now + d.toNanos(); } finally { lock.unlock(); }
        while (true) {
            Task due;
            lock.lock();
            try {
                Task head = tasks.peek();
                if (head == null || head.at > target) { now = target; return; }
                due = tasks.poll();
                now = Math.max(now, due.at);
            } finally { lock.unlock(); }
            due.task.run();
        }
    }

    /** Number of tasks waiting to fall due. */
    public int pending() {
        lock.lock();
        try { return tasks.size(); } finally { lock.unlock(); }
    }

    /** Delays, from now, of the waiting tasks in due order. */
    public List<Duration> pendingDelays() {
        lock.lock();
        try {
            List<Task> sorted = new ArrayList<>(tasks);
            sorted.sort(null);
            return sorted.stream().map(t -> Duration.ofNanos(t.at - now)).toList();
        } finally { lock.unlock(); }
    }

    private record Task(long at, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
