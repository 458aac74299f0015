package dev.supervision.process.preflight;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A separate process for {@link PreflightTest}: listens on a free TCP port of 127.0.0.1, prints the port,
 * and holds it until its standard input closes.
 */
public final class PortHolderMain {
    private PortHolderMain() {}

    public static void main(String[] args) throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            System.out.println(s.getLocalPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the port until the test closes our input
            }
        }
    }
}
