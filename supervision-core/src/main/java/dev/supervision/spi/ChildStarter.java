package dev.supervision.spi;

import java.util.concurrent.CompletionStage;

/**
 * Starts one incarnation of a child. This is the extension point through which new kinds of
 * children (for example OS processes, in supervision-process) plug into a supervisor.
 *
 * <p>{@link #start} is called on the supervisor's loop thread and must return promptly; the returned
 * stage completes when the child is initialised (OTP: {@code init/1} returned) or completes
 * exceptionally when the start failed. The supervisor applies the spec's start timeout and, on
 * timeout, force-stops a child that completes late.
 */
@FunctionalInterface
public interface ChildStarter {
    CompletionStage<RunningChild> start(ChildContext context);
}
