/**
 * The supervisor's implementation (not exported): one event loop per supervisor
 * ({@code SupervisorRuntime}) and the built-in kinds of child ({@code Children}).
 */
package dev.supervision.internal;
