/**
 * A process child's life (not exported): {@code ProcessStarter} prepares and launches each start,
 * {@code ProcessRun} follows one incarnation from launch through readiness and its checks to its end and the
 * report of its exit.
 */
package dev.supervision.process.internal.run;
