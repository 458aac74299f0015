/** OS processes as supervised children. */
module dev.supervision.process {
    requires transitive dev.supervision;

    exports dev.supervision.process;
}
