package dev.supervision.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The last {@code capacity} entries of a stream (a child's output lines, the tree's events), numbered from 1, for
 * {@code supervise logs} and {@code supervise events}: a reader asks for what came after the last number it saw, and
 * may wait for more (long polling). Thread-safe; adding never blocks on readers.
 */
final class Feed {
    /** What a reader gets: the entries after its number, and the number to ask after next. */
    record Page(List<String> entries, long next, boolean missed) {}

    private final int capacity;
    private final ArrayDeque<String> entries = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private long last;                                    // the number of the newest entry; 0 before the first

    Feed(int capacity) {
        this.capacity = capacity;
    }

    void add(String entry) {
        lock.lock();
        try {
            if (entries.size() == capacity) entries.removeFirst();
            entries.addLast(entry);
            last++;
            added.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The entries numbered after {@code after}, at most {@code max} (the newest ones when there are more); when there
     * are none, waits up to {@code waitMillis} for one. {@code after} negative: the last {@code max} entries.
     * {@link Page#missed()} says that entries after {@code after} were dropped before they were read.
     */
    Page after(long after, int max, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (after >= 0 && last <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return new Page(List.of(), last, false);
                added.awaitNanos(left);
            }
            long first = last - entries.size() + 1;         // the number of the oldest entry kept
            long from = Math.max(after < 0 ? last - max + 1 : after + 1, Math.max(first, last - max + 1));
            List<String> out = new ArrayList<>((int) (last - from + 1));
            long n = first;
            for (String e : entries) {
                if (n++ >= from) out.add(e);
            }
            return new Page(out, last, after >= 0 && from > after + 1);
        } finally {
            lock.unlock();
        }
    }
}
