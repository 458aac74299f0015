/**
 * OS processes as supervised children: the process child ({@code dev.supervision.process}), its probes,
 * memory guards, crash intelligence, output handling and preflight checks, one package each. The
 * {@code internal} packages are not exported.
 */
module dev.supervision.process {
    requires transitive dev.supervision;

    exports dev.supervision.process;
    exports dev.supervision.process.probe;
    exports dev.supervision.process.guard;
    exports dev.supervision.process.crash;
    exports dev.supervision.process.output;
    exports dev.supervision.process.preflight;
}
