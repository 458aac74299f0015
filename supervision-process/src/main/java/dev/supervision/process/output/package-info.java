/**
 * A process's output: {@link dev.supervision.process.output.OutputSpec} (sinks, tail, line length, extra
 * listeners), {@link dev.supervision.process.output.OutputSink} (a logger per child, a rotating file, pass-through,
 * discard), {@link dev.supervision.process.output.OutputLine}, {@link dev.supervision.process.output.LineListener}
 * and {@link dev.supervision.process.output.StdStream}. Output is always drained, whatever the sinks do.
 * Depends on no other package of this module's API.
 */
package dev.supervision.process.output;
