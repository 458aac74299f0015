/**
 * The crash classification engine (not exported): {@code CrashClassifier} matches every line against the
 * signatures' keywords at once ({@code KeywordFilter}) and keeps the first and the most severe match.
 */
package dev.supervision.process.internal.crash;
