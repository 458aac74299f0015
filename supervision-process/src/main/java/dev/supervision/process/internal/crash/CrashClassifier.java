package dev.supervision.process.internal.crash;

import dev.supervision.process.crash.CrashBasis;
import dev.supervision.process.crash.CrashClassification;
import dev.supervision.process.crash.CrashMatch;
import dev.supervision.process.crash.CrashSignature;
import dev.supervision.process.crash.ExitStatus;
import dev.supervision.process.crash.Severity;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.internal.output.LineBatch;
import dev.supervision.process.internal.output.LineConsumer;
import dev.supervision.process.internal.output.Utf8Line;
import dev.supervision.process.output.LineListener;
import dev.supervision.process.output.StdStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;

/**
 * Classifies one incarnation's crash from its output lines (as a {@link LineListener} of the output
 * pump), guard reasons ({@link #guardTripped}) and, at the end, its exit status ({@link #verdict}). Make
 * one per incarnation: it keeps the first and the most severe match it saw.
 *
 * <p><b>Speed.</b> The keywords of all line signatures are searched for at once ({@link KeywordFilter},
 * over the pump's UTF-8 bytes, no copy and no allocation; {@code ^} and {@code $} keywords are compared at
 * the line's start or end only), by the pump over all the lines of a read in one pass ({@link #accept});
 * only a line holding a keyword runs the regular expressions of the signatures whose keyword it holds,
 * in library order, with matchers reused per stream. A {@code CrashMatch} (and the line's {@code String})
 * is made only when a match would change the first or the most severe match.
 *
 * <p><b>Use.</b> Per launch: {@code new CrashClassifier(library, clock, onMatch)}, passed among the
 * {@code extra} listeners of {@link OutputPump#start(String, Process, dev.supervision.process.output.OutputSpec, List)};
 * a guard that stops the tree calls {@link #guardTripped} first; when the process has exited, wait for
 * the pump's {@code completion()} (so the last lines are in), then {@link #verdict} with its exit status.
 *
 * <p><b>Threading.</b> {@link #onLine} and {@link #accept} follow the {@link LineListener} contract: one
 * thread per stream, the two streams concurrently; per-stream state is confined to its thread and the two
 * kept matches are compare-and-set references, so it never blocks. {@link #matches}, {@link #verdict} and
 * {@link #guardTripped} may be called from any thread.
 */
public final class CrashClassifier implements LineListener, LineConsumer {
    /**
     * Keyword filters by keyword list, shared by every classifier of the same library (immutable; its
     * tables take about 136 KiB, which a hundred children would otherwise each hold).
     */
    private static final ConcurrentMap<List<String>, KeywordFilter> FILTERS = new ConcurrentHashMap<>();

    private final Clock clock;
    private final Consumer<CrashMatch> onMatch;
    private final CrashSignature[] lineSignatures;
    private final Keyword[][] keywords;
    private final byte[][] lineStarts;
    private final byte[][] lineEnds;
    private final boolean[] everyLine;
    private final KeywordFilter filter;
    private final boolean anyEveryLine;
    private final List<CrashSignature> exitSignatures = new ArrayList<>();
    private final List<CrashSignature> guardSignatures = new ArrayList<>();
    private final PerStream[] streams = new PerStream[StdStream.values().length];
    private final AtomicReference<CrashMatch> first = new AtomicReference<>();
    private final AtomicReference<CrashMatch> worst = new AtomicReference<>();

    /** Per-stream state, touched only by that stream's reader thread. */
    private static final class PerStream {
        final Matcher[] matchers;
        byte[] scratch = new byte[256];
        /** The view a batch's candidate lines are classified through. */
        final Utf8Line view = new Utf8Line();
        /** A batch's candidate lines, by index: the first {@link #candidateCount} (see {@link #accept}). */
        int[] candidates = new int[16];
        int candidateCount;
        long lines;
        /** For a candidate line: bit {@code i} set when the {@code i}th anywhere keyword occurs in it. */
        final long[] found;

        PerStream(CrashSignature[] signatures, int anywhereKeywords) {
            found = new long[(anywhereKeywords + 63) >>> 6];
            matchers = new Matcher[signatures.length];
            for (int i = 0; i < signatures.length; i++) {
                matchers[i] = ((CrashSignature.When.Line) signatures[i].when()).pattern().matcher("");
            }
        }

        /** Adds line {@code line} of the batch to the candidates. */
        void candidate(int line) {
            if (candidateCount == candidates.length) candidates = Arrays.copyOf(candidates, 2 * candidateCount);
            candidates[candidateCount++] = line;
        }
    }

    /**
     * A classifier for one incarnation.
     *
     * @param library the signatures
     * @param clock   stamps matches
     * @param onMatch called with each match that becomes the first or the most severe so far, on the thread
     *                that found it (a reader thread for lines): must be quick and never block
     */
    public CrashClassifier(SignatureLibrary library, Clock clock, Consumer<CrashMatch> onMatch) {
        this.clock = clock;
        this.onMatch = onMatch;
        List<CrashSignature> lines = new ArrayList<>();
        Set<String> anywhere = new LinkedHashSet<>();
        List<byte[]> starts = new ArrayList<>();
        List<byte[]> ends = new ArrayList<>();
        for (CrashSignature s : library.signatures()) {
            switch (s.when()) {
                case CrashSignature.When.Line l -> {
                    lines.add(s);
                    for (String k : l.keywords()) {
                        Keyword kw = Keyword.of(k);
                        if (kw.atStart) starts.add(kw.bytes);
                        else if (kw.atEnd) ends.add(kw.bytes);
                        else anywhere.add(k);
                    }
                }
                case CrashSignature.When.Exit e -> exitSignatures.add(s);
                case CrashSignature.When.Guard g -> guardSignatures.add(s);
            }
        }
        lineSignatures = lines.toArray(CrashSignature[]::new);
        List<String> anywhereList = List.copyOf(anywhere);
        keywords = new Keyword[lineSignatures.length][];
        everyLine = new boolean[lineSignatures.length];
        boolean any = false;
        for (int i = 0; i < lineSignatures.length; i++) {
            List<String> k = ((CrashSignature.When.Line) lineSignatures[i].when()).keywords();
            keywords[i] = k.stream().map(Keyword::of).map(kw -> kw.indexIn(anywhereList)).toArray(Keyword[]::new);
            everyLine[i] = k.isEmpty();
            any |= k.isEmpty();
        }
        anyEveryLine = any;
        lineStarts = starts.toArray(byte[][]::new);
        lineEnds = ends.toArray(byte[][]::new);
        filter = anywhere.isEmpty() ? null : FILTERS.computeIfAbsent(anywhereList, KeywordFilter::new);
        for (StdStream s : StdStream.values()) streams[s.ordinal()] = new PerStream(lineSignatures, anywhereList.size());
    }

    /** A classifier with the system clock and no match callback. */
    public CrashClassifier(SignatureLibrary library) {
        this(library, Clock.systemUTC(), m -> { });
    }

    @Override
    public void onLine(StdStream stream, CharSequence line) {
        PerStream ps = streams[stream.ordinal()];
        long number = ++ps.lines;
        if (line instanceof Utf8Line u) {
            classify(ps, stream, line, u.bytes(), u.offset(), u.byteLength(), number);
            return;
        }
        int len = line.length();
        if (ps.scratch.length < len) ps.scratch = new byte[Math.max(len, 2 * ps.scratch.length)];
        for (int i = 0; i < len; i++) {
            char c = line.charAt(i);
            ps.scratch[i] = c < 0x80 ? (byte) c : (byte) 0x80;
        }
        classify(ps, stream, line, ps.scratch, 0, len, number);
    }

    /**
     * The pump's way in: a read's lines at once, with the same outcome as {@link #onLine} for each in turn.
     * The keyword filter runs once over all their bytes (they lie one after the other in the buffer), a
     * line being looked at alone only where it finds a keyword or a {@code ^}/{@code $} keyword may
     * match, so an ordinary line costs no call and no per-line set-up.
     */
    @Override
    public void accept(StdStream stream, LineBatch lines) {
        int count = lines.count;
        if (count == 0) return;
        PerStream ps = streams[stream.ordinal()];
        long before = ps.lines;
        ps.lines += count;
        Utf8Line view = ps.view;
        view.batch(lines.buf, lines.ascii);
        if (anyEveryLine) {                      // a signature without keywords sees every line
            for (int i = 0; i < count; i++) line(ps, stream, lines, i, before);
            return;
        }
        ps.candidateCount = 0;
        byte[] buf = lines.buf;
        int[] starts = lines.starts;
        int[] ends = lines.ends;
        if (lineStarts.length + lineEnds.length > 0) {
            for (int i = 0; i < count; i++) {
                int off = starts[i];
                int len = ends[i] - off;
                if (startsWithAny(buf, off, len) || endsWithAny(buf, off, len)) ps.candidate(i);
            }
        }
        if (filter != null) {
            int to = ends[count - 1];
            for (int at = starts[0]; at < to; ) {
                int hit = filter.findIn(buf, at, to);
                if (hit < 0) break;
                int i = Arrays.binarySearch(starts, 0, count, hit);
                if (i < 0) i = -i - 2;           // the line starting last at or before the hit
                ps.candidate(i);
                if (i + 1 == count) break;
                at = starts[i + 1];             // this line is a candidate already: go on with the next
            }
        }
        int n = ps.candidateCount;
        if (n == 0) return;
        int[] candidates = ps.candidates;
        Arrays.sort(candidates, 0, n);           // in line order, once each
        for (int k = 0; k < n; k++) {
            if (k > 0 && candidates[k] == candidates[k - 1]) continue;
            line(ps, stream, lines, candidates[k], before);
        }
    }

    /** Classifies line {@code i} of a batch whose first line is the stream's line {@code before + 1}. */
    private void line(PerStream ps, StdStream stream, LineBatch lines, int i, long before) {
        int off = lines.starts[i];
        int len = lines.ends[i] - off;
        ps.view.line(off, len);
        classify(ps, stream, ps.view, lines.buf, off, len, before + 1 + i);
    }

    /** One line: {@code buf[off, off + len)} is {@code line}'s UTF-8 (or ASCII-masked) bytes. */
    private void classify(PerStream ps, StdStream stream, CharSequence line, byte[] buf, int off, int len, long number) {
        boolean viaFilter = filter != null && filter.anyIn(buf, off, len);
        boolean candidate = viaFilter || startsWithAny(buf, off, len) || endsWithAny(buf, off, len);
        if (!candidate && !anyEveryLine) return;
        long[] found = ps.found;
        Arrays.fill(found, 0);
        // Which anywhere keywords occur, all found in one more pass of the filter (only for candidate lines):
        // without it each signature's keywords would be searched for separately.
        if (viaFilter) filter.allIn(buf, off, len, found);
        for (int i = 0; i < lineSignatures.length; i++) {
            if (!everyLine[i] && !(candidate && containsAny(buf, off, len, keywords[i], found))) continue;
            if (ps.matchers[i].reset(line).find()) {
                record(lineSignatures[i], line, Optional.of(stream), number);
                return;
            }
        }
    }

    private boolean startsWithAny(byte[] buf, int off, int len) {
        if (len == 0) return false;
        for (byte[] k : lineStarts) {
            if (startsWith(buf, off, len, k)) return true;
        }
        return false;
    }

    private boolean endsWithAny(byte[] buf, int off, int len) {
        if (len > 0 && buf[off + len - 1] == '\r') len--;
        for (byte[] k : lineEnds) {
            if (endsWith(buf, off, len, k)) return true;
        }
        return false;
    }

    /** The last byte is compared alone first, as in {@link #startsWith}. */
    private static boolean endsWith(byte[] buf, int off, int len, byte[] k) {
        int at = off + len - k.length;
        return len >= k.length && buf[off + len - 1] == k[k.length - 1] && Arrays.equals(buf, at, at + k.length, k, 0, k.length);
    }

    /** The first byte is compared alone first: it nearly always differs, and that is far cheaper than a range compare. */
    private static boolean startsWith(byte[] buf, int off, int len, byte[] k) {
        return len >= k.length && buf[off] == k[0] && Arrays.equals(buf, off, off + k.length, k, 0, k.length);
    }

    /** Whether a keyword occurs; an anywhere keyword's answer is in {@code found} (see {@link KeywordFilter#allIn}). */
    private static boolean containsAny(byte[] buf, int off, int len, Keyword[] keywords, long[] found) {
        for (Keyword k : keywords) {
            if (k.atStart ? startsWith(buf, off, len, k.bytes)
                    : k.atEnd ? endsWith(buf, off, len > 0 && buf[off + len - 1] == '\r' ? len - 1 : len, k.bytes)
                    : (found[k.index >>> 6] >>> k.index & 1) != 0) return true;
        }
        return false;
    }

    /**
     * A keyword's ASCII bytes; {@code atStart} for a {@code ^} keyword, {@code atEnd} for a {@code $} one;
     * for any other, its {@code index} in the filter's keyword list (-1 until {@link #indexIn}).
     */
    private record Keyword(byte[] bytes, boolean atStart, boolean atEnd, int index) {
        static Keyword of(String k) {
            boolean atStart = k.startsWith("^");
            boolean atEnd = !atStart && k.endsWith("$");
            String literal = atStart ? k.substring(1) : atEnd ? k.substring(0, k.length() - 1) : k;
            return new Keyword(literal.getBytes(StandardCharsets.US_ASCII), atStart, atEnd, -1);
        }

        Keyword indexIn(List<String> anywhere) {
            if (atStart || atEnd) return this;
            return new Keyword(bytes, false, false, anywhere.indexOf(new String(bytes, StandardCharsets.US_ASCII)));
        }
    }

    /**
     * Records that a guard stopped the process for {@code reason}; the first guard signature with that
     * reason (library order) becomes a match.
     *
     * @param detail what the guard measured, for the evidence
     * @return the match, or empty if no signature has this reason
     */
    public Optional<CrashMatch> guardTripped(String reason, String detail) {
        return matchGuard(reason, CrashBasis.GUARD, detail);
    }

    /**
     * Records that the kernel counted what killed the process ({@code oom-kill}: the cgroup's OOM-kill
     * counter rose); matched like {@link #guardTripped}, on the basis of the kernel's counter.
     *
     * @param detail the counter's values and file, for the evidence
     */
    public Optional<CrashMatch> kernelCounted(String reason, String detail) {
        return matchGuard(reason, CrashBasis.KERNEL_COUNTER, detail);
    }

    private Optional<CrashMatch> matchGuard(String reason, CrashBasis basis, String detail) {
        for (CrashSignature s : guardSignatures) {
            if (((CrashSignature.When.Guard) s.when()).reason().equals(reason)) {
                CrashMatch m = new CrashMatch(s, basis, detail, Optional.empty(), 0, clock.instant());
                keep(m);
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The first match and the most severe one (one entry when they are the same), in that order. */
    public List<CrashMatch> matches() {
        CrashMatch f = first.get();
        CrashMatch w = worst.get();
        if (f == null) return List.of();
        return f == w || w == null ? List.of(f) : List.of(f, w);
    }

    /**
     * The verdict for an incarnation that ended with {@code exit}: the most severe line or guard match
     * (INFO ones excluded), or the first exit signature for this exit value if it is more severe or
     * nothing else matched. Call it after the output has been drained (the pump's completion), or late
     * lines are missed.
     *
     * @return empty if nothing explains the crash
     */
    public Optional<CrashClassification> verdict(ExitStatus exit) {
        CrashMatch w = worst.get();
        CrashMatch byLine = w != null && w.severity().compareTo(Severity.INFO) > 0 ? w : null;
        CrashSignature byExit = null;
        for (CrashSignature s : exitSignatures) {
            if (((CrashSignature.When.Exit) s.when()).exitValues().contains(exit.exitValue())) {
                byExit = s;
                break;
            }
        }
        Optional<CrashMatch> f = Optional.ofNullable(first.get());
        if (byExit != null && (byLine == null || byExit.severity().compareTo(byLine.severity()) > 0)) {
            CrashMatch m = new CrashMatch(byExit, CrashBasis.EXIT_STATUS, exit.toString(), Optional.empty(), 0, clock.instant());
            return Optional.of(new CrashClassification(m, f, exit));
        }
        return byLine == null ? Optional.empty() : Optional.of(new CrashClassification(byLine, f, exit));
    }

    private void record(CrashSignature s, CharSequence line, Optional<StdStream> stream, long number) {
        CrashMatch w = worst.get();
        if (first.get() != null && w != null && w.severity().compareTo(s.severity()) >= 0) return;
        keep(new CrashMatch(s, CrashBasis.OUTPUT_LINE, line.toString(), stream, number, clock.instant()));
    }

    private void keep(CrashMatch m) {
        boolean changed = first.compareAndSet(null, m);
        while (true) {
            CrashMatch w = worst.get();
            if (w != null && w.severity().compareTo(m.severity()) >= 0) break;
            if (worst.compareAndSet(w, m)) {
                changed = true;
                break;
            }
        }
        if (changed) onMatch.accept(m);
    }
}
