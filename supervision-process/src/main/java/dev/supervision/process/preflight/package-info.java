/**
 * Checks before every launch — free disk, available memory, a GPU, files that must exist, a free port —
 * that fail the start with a clear {@link dev.supervision.process.preflight.PreflightFailed} instead of a crash loop:
 * {@link dev.supervision.process.preflight.Preflight}. Depends on no other package of this module's API.
 */
package dev.supervision.process.preflight;
