/**
 * Checks of a running process: {@link dev.supervision.process.probe.Probe} (an HTTP GET, a TCP connect, a
 * line of output, a file, a command) used for readiness (the start is complete when it passes) and, wrapped
 * in {@link dev.supervision.process.probe.Probe.Liveness}, for liveness (failures in a row stop the process
 * and count as a crash). Depends on no other package of this module's API.
 */
package dev.supervision.process.probe;
