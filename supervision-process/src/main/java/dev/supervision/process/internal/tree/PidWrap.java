package dev.supervision.process.internal.tree;

import dev.supervision.process.internal.ProcessTimers;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lets a sweep after an exit read only the processes younger than the one that exited. Linux hands out
 * pids in increasing order until the counter wraps at {@code pid_max}; a process started after a root
 * therefore has a larger pid, unless the counter wrapped in between. This class watches the counter
 * ({@code /proc/sys/kernel/ns_last_pid}, the last pid handed out in this pid namespace) once a second
 * on the process timer thread and counts the wraps it sees (the counter going down). A sweep may skip the
 * pids below its root's when no wrap was counted since the root's launch and the counter is still above
 * it; otherwise, or where the counter cannot be read, it reads everything.
 *
 * <p>What this assumes: that the counter cannot go all the way round within one second (that takes
 * {@code pid_max} new processes in a second: 32,768 at the least, 4,194,304 where systemd sets it).
 * Thread-safe; the watch starts on first use and costs one small file read a second.
 */
final class PidWrap {
    private static final String NS_LAST_PID = "/proc/sys/kernel/ns_last_pid";
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static long last = -1;
    private static long wraps;

    private PidWrap() {}

    /** How many wraps were seen so far, checked now; record it just before a launch and hand it to {@link #floor}. */
    static synchronized long epoch() {
        start();
        check();
        return wraps;
    }

    /**
     * The smallest pid a process started after {@code rootPid} (launched at wrap {@code epochAtLaunch}) can
     * have: {@code rootPid} when that is certain, else 0 (read every process).
     */
    static synchronized long floor(long rootPid, long epochAtLaunch) {
        check();
        return wraps == epochAtLaunch && last >= rootPid ? rootPid : 0;
    }

    private static void start() {
        if (STARTED.compareAndSet(false, true)) {
            check();
            ProcessTimers.every(Duration.ofSeconds(1), Duration.ofSeconds(1), PidWrap::check);
        }
    }

    /** The last pid handed out in this pid namespace, read now; -1 if it cannot be read. */
    static long lastPid() {
        byte[] b = new byte[24];
        int n = ProcessScan.readProc(NS_LAST_PID, b);
        long now = 0;
        int digits = 0;
        for (int i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++, digits++) now = now * 10 + (b[i] - '0');
        return digits == 0 ? -1 : now;
    }

    private static synchronized void check() {
        long now = lastPid();
        if (now < 0) {
            last = -1;                        // unreadable: floor() answers 0, and a wrap meanwhile
            wraps++;                          // cannot be seen: count one, to be safe
            return;
        }
        if (last >= 0 && now < last) wraps++;
        last = now;
    }
}
