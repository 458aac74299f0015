/**
 * What a new kind of child implements: a {@link dev.supervision.spi.ChildStarter} that starts it and answers
 * a {@link dev.supervision.spi.RunningChild} (its exit, a polite and a forced stop), and, optionally, a start
 * stage that is a {@link dev.supervision.spi.StartProgress}. {@link dev.supervision.spi.Scheduler} is the clock
 * every supervisor runs on, replaced by a manual one in tests.
 */
package dev.supervision.spi;
