/** Erlang/OTP supervision trees for the JVM. */
module dev.supervision {
    requires transitive org.slf4j;
    requires org.jctools.core;

    exports dev.supervision;
    exports dev.supervision.spi;
    // the JSON writer and reader, shared with the process module's crash history; not an API
    exports dev.supervision.internal to dev.supervision.process;
}
