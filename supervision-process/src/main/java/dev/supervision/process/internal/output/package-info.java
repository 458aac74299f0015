/**
 * The output pump (not exported): drains stdout and stderr of every process, splits them into lines, keeps
 * the tail and hands the lines to the sinks and listeners, a read's lines at once.
 */
package dev.supervision.process.internal.output;
