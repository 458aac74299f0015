/** Erlang/OTP supervision trees for the JVM. */
module dev.supervision {
    requires transitive org.slf4j;
    requires org.jctools.core;

    exports dev.supervision;
    exports dev.supervision.spi;
}
