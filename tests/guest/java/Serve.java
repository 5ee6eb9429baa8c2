// e2e/app-java's server: com.sun.net.httpserver on port args[0] (the JDK's
// own HTTP server: a selector thread, an executor, NIO sockets). Every
// path answers "hello PATH #N" (N counts the requests), /missing... with
// 404; /quit answers, prints the count and exits 0.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

public class Serve {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        AtomicInteger hits = new AtomicInteger();
        HttpServer s = HttpServer.create(new InetSocketAddress(port), 16);
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            int n = hits.incrementAndGet();
            byte[] body = ("hello " + path + " #" + n + "\n").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(path.startsWith("/missing") ? 404 : 200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
            if (path.equals("/quit")) {
                System.out.println("served " + n);
                System.exit(0);
            }
        });
        s.start();
        System.out.println("listening on " + port);
    }
}
