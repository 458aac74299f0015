package dev.supervision;

import java.util.function.Consumer;

/**
 * A child with a start and a stop, such as a server object. {@link #start} runs on a virtual thread
 * and its return marks the child initialised; the service reports a crash later by calling
 * {@code onFailure}. {@link #stop} is called for a polite stop; a service has no forced stop, so a
 * stop that does not return within the shutdown timeout is reported as abandoned.
 */
public interface Service {
    void start(Consumer<Throwable> onFailure) throws Exception;

    void stop() throws Exception;
}
