// apps/java's default program (compiled by app.mk with the host's javac
// into BUILD/apps/java/classes): what a JVM start needs of the kernel
// beyond a plain C program. A thread pool (clone3, futexes), a few hundred
// MB of garbage for the GC (mmap, mprotect, madvise of the heap), string
// formatting, a file written and read back, and a NullPointerException
// from an implicit null check (a SIGSEGV in JIT or interpreter code that
// the JVM's handler turns into the exception, resuming the thread). Exits
// with its number of arguments.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class Hello {
    static int length(String s) {
        return s.length(); // s == null: the JVM's implicit null check
    }

    public static void main(String[] args) throws Exception {
        System.out.println("Hello from Java " + System.getProperty("java.version") + " on "
                + System.getProperty("os.name") + ", args " + Arrays.toString(args));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            parts.add(pool.submit(() -> {
                long s = 0;
                for (int i = 0; i < 1000000; i++)
                    s += i % (id + 2);
                return s;
            }));
        }
        long total = 0;
        for (Future<Long> f : parts)
            total += f.get();
        pool.shutdown();
        System.out.println("threads: " + total);
        long made = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[100000];
            b[i % b.length] = 1;
            made += b.length;
        }
        System.out.println(String.format("garbage: %d MB, %.5f, %08x, %s", made >> 20, Math.E,
                0xbeef, String.join("-", "a", "b", "c")));
        Path p = Files.createTempFile("hello", ".txt");
        Files.write(p, Arrays.asList("one", "two", "three"));
        System.out.println("file: " + Files.readAllLines(p) + " " + Files.size(p) + " bytes");
        Files.delete(p);
        int caught = 0;
        for (int i = 0; i < 20000; i++) { // interpreted, then compiled
            try {
                length(i % 1000 == 0 ? null : "x");
            } catch (NullPointerException e) {
                caught++;
            }
        }
        System.out.println("null checks: " + caught + " NullPointerExceptions caught");
        System.exit(args.length);
    }
}
