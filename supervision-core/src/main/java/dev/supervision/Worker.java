package dev.supervision;

import dev.supervision.spi.ChildContext;

/**
 * A child function run on its own virtual thread. Returning is a normal exit; throwing is a crash
 * carrying the throwable; the thread is interrupted to ask it to stop, and exiting after that is a
 * shutdown (whatever it throws).
 */
@FunctionalInterface
public interface Worker {
    void run(ChildContext context) throws Exception;
}
