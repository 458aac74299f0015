package dev.supervision.cli;

import dev.supervision.AutoShutdown;
import dev.supervision.Backoff;
import dev.supervision.ChildSpec;
import dev.supervision.GiveUp;
import dev.supervision.Restart;
import dev.supervision.Strategy;
import dev.supervision.SupervisorSpec;
import dev.supervision.journal.JournalSpec;
import dev.supervision.journal.proxy.ProxySpec;
import dev.supervision.process.ProcessSpec;
import dev.supervision.process.StopSignal;
import dev.supervision.process.crash.InFlightRequests;
import dev.supervision.process.crash.RestartAdvisor;
import dev.supervision.process.crash.SignatureLibrary;
import dev.supervision.process.guard.GuardSpec;
import dev.supervision.process.guard.HostMemoryFloor;
import dev.supervision.process.output.OutputSink;
import dev.supervision.process.output.OutputSpec;
import dev.supervision.process.preflight.Preflight;
import dev.supervision.process.probe.Probe;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a tree file (YAML 1.2, so JSON too) into a {@link Plan}. Every key is checked: unknown keys,
 * wrong types and bad values fail with {@link ConfigException} naming the key's path
 * ({@code children[1].readiness.http}); the library's builders validate the rest and their messages
 * are prefixed with the path of the part they describe. The schema is in docs/cli.md.
 */
final class TreeConfig {
    /** The keys of a supervisor (the top level and {@code type: supervisor} children); docs/cli.md has a row for each. */
    static final List<String> SUPERVISOR_KEYS = List.of("type", "name", "strategy", "intensity", "period", "giveUp",
        "autoShutdown", "restart", "significant", "children");
    /** The keys of a process child; docs/cli.md has a row for each. */
    static final List<String> PROCESS_KEYS = List.of("type", "id", "command", "shell", "env", "inheritEnv", "cwd",
        "readiness", "liveness", "startSeconds", "startTimeout", "stopSignal", "stopTimeout", "backoff", "restart",
        "significant", "normalExitCodes", "restartNowCodes", "fatalExitCodes", "silenceTimeout", "heartbeat",
        "maxAge", "output", "stateDirectory", "guards", "hostMemoryFloor", "preflight", "advisor", "signatures",
        "crashHistory", "proxy");

    private final Path stateDir;
    private final String treeName;
    private final ChildLogs logs;
    private final Map<String, ProcessSpec> processes = new LinkedHashMap<>();
    private final List<ProxyPlan> proxies = new ArrayList<>();

    private TreeConfig(Path stateDir, String treeName, ChildLogs logs) {
        this.stateDir = stateDir;
        this.treeName = treeName;
        this.logs = logs;
    }

    /**
     * Reads {@code file}.
     *
     * @param treeName replaces the file's {@code name} when present
     * @param stateDir the state directory of process children that set none
     * @param logs     keeps each process child's last lines
     */
    static Plan load(Path file, Optional<String> treeName, Path stateDir, ChildLogs logs) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
        return parse(text, file.toString(), treeName, stateDir, logs);
    }

    /** Reads a tree document; {@code what} names it in errors about the document as a whole. */
    static Plan parse(String text, String what, Optional<String> treeName, Path stateDir, ChildLogs logs) {
        Object document;
        try {
            document = new Load(LoadSettings.builder().setAllowDuplicateKeys(false).setLabel(what).build()).loadFromString(text);
        } catch (MarkedYamlEngineException e) {
            String at = e.getProblemMark().map(m -> ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse("");
            throw new ConfigException(what + at + ": not valid YAML or JSON: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigException(what + ": not valid YAML or JSON: " + e.getMessage().replaceAll("\\s+", " "));
        }
        ConfigNode root = ConfigNode.root(document, what);
        root.allow(SUPERVISOR_KEYS);
        for (String nestedOnly : new String[] {"type", "restart", "significant"}) {
            if (root.has(nestedOnly)) throw new ConfigException(root.at(nestedOnly) + ": applies to nested supervisors only");
        }
        String name = treeName.orElseGet(() -> root.string("name").orElse("supervise"));
        Values.name(treeName.isPresent() ? "--tree" : root.at("name"), name);
        TreeConfig config = new TreeConfig(stateDir, name, logs);
        SupervisorSpec.Builder b = config.supervisor(root, name);
        List<ChildSpec> children = config.children(root, "");
        SupervisorSpec spec = build("", () -> b.shutdownHook(false).build());
        children.forEach(b::child);
        build("", b::build);                   // what the root checks of its children (ids, significance)
        return new Plan(spec, children, config.processes, config.proxies, 0, Backoff.none(), Optional.empty(), false);
    }

    /** The supervisor's own settings (not its children) on a builder. */
    private SupervisorSpec.Builder supervisor(ConfigNode n, String name) {
        SupervisorSpec.Builder b = SupervisorSpec.builder(name);
        n.choice("strategy", Strategy.class).ifPresent(b::strategy);
        int intensity = n.integer("intensity", 0, 1_000_000).orElse(1);
        Duration period = n.positiveDuration("period").orElse(Duration.ofSeconds(5));
        b.intensity(intensity, period);
        n.choice("autoShutdown", AutoShutdown.class).ifPresent(b::autoShutdown);
        if (n.has("giveUp")) b.giveUp(giveUp(n));
        return b;
    }

    private static GiveUp giveUp(ConfigNode n) {
        if (n.raw("giveUp") instanceof Map<?, ?>) {
            ConfigNode g = n.node("giveUp").orElseThrow().allow("circuitBreaker");
            ConfigNode cb = g.node("circuitBreaker").orElseThrow(() -> new ConfigException(g.at("circuitBreaker") + ": required"))
                    .allow("coolDown", "stableFor");
            Duration coolDown = cb.positiveDuration("coolDown").orElseThrow(() -> new ConfigException(cb.at("coolDown") + ": required"));
            Duration stableFor = cb.positiveDuration("stableFor").orElseThrow(() -> new ConfigException(cb.at("stableFor") + ": required"));
            return GiveUp.circuitBreaker(coolDown, stableFor);
        }
        String v = n.requiredString("giveUp");
        if (v.equals("escalate")) return GiveUp.escalate();
        throw new ConfigException(n.at("giveUp") + ": expected escalate or {circuitBreaker: {coolDown: 1m, stableFor: 5m}}, was '" + v + "'");
    }

    /**
     * Reads {@code children} (required, not empty) and returns their specs, in order.
     *
     * @param prefix the path of these children in {@link Plan#processes()}: empty at the top, else ending in '/'
     */
    private List<ChildSpec> children(ConfigNode n, String prefix) {
        List<Object> list = n.list("children").orElse(List.of());
        if (list.isEmpty()) throw new ConfigException(n.at("children") + ": required, a list of at least one child");
        List<ChildSpec> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigNode c = n.element("children", i, list.get(i));
            String type = c.string("type").orElse("process");
            out.add(switch (type) {
                case "process" -> process(c, prefix);
                case "supervisor" -> nested(c, prefix);
                default -> throw new ConfigException(c.at("type") + ": expected process or supervisor, was '" + type + "'");
            });
        }
        return out;
    }

    private ChildSpec nested(ConfigNode n, String prefix) {
        n.allow(SUPERVISOR_KEYS);
        String name = Values.name(n.at("name"), n.requiredString("name"));
        SupervisorSpec.Builder b = supervisor(n, name);
        for (ChildSpec c : children(n, prefix + name + "/")) b.child(c);
        SupervisorSpec spec = build(n.path(), b::build);
        ChildSpec.Builder child = ChildSpec.supervisor(spec);
        n.choice("restart", Restart.class).ifPresent(child::restart);
        n.bool("significant").ifPresent(child::significant);
        return build(n.path(), child::build);
    }

    private ChildSpec process(ConfigNode n, String prefix) {
        n.allow(PROCESS_KEYS);
        String id = Values.name(n.at("id"), n.requiredString("id"));
        ProcessSpec.Builder p = ProcessSpec.builder(id);
        String how = n.oneOf("command", "shell");
        if (how.equals("command")) {
            if (!(n.raw("command") instanceof List<?>)) {
                throw new ConfigException(n.at("command") + ": expected a list (program and arguments); use shell: for a command line");
            }
            List<String> argv = n.strings("command").orElseThrow();
            if (argv.isEmpty() || argv.get(0).isBlank()) throw new ConfigException(n.at("command") + ": must not be empty");
            p.command(argv);
        } else {
            String line = n.requiredString("shell");
            if (line.isBlank()) throw new ConfigException(n.at("shell") + ": must not be empty");
            p.shellCommand(line);
        }
        n.stringMap("env").ifPresent(env -> env.forEach(p::env));
        n.bool("inheritEnv").ifPresent(p::inheritEnvironment);
        n.string("cwd").ifPresent(d -> p.workingDirectory(Path.of(d)));
        n.node("readiness").ifPresent(r -> {
            r.allow("http", "bodyMatches", "tcp", "logLine", "file", "command", "interval", "timeout");
            p.readiness(probe(r));
            r.positiveDuration("interval").ifPresent(p::readinessInterval);
            r.positiveDuration("timeout").ifPresent(p::probeTimeout);
        });
        n.node("liveness").ifPresent(l -> {
            l.allow("http", "bodyMatches", "tcp", "file", "command", "initialDelay", "interval", "timeout", "failureThreshold");
            Probe.Liveness live = Probe.Liveness.of(probe(l));
            live = live.withInitialDelay(l.duration("initialDelay").orElse(live.initialDelay()));
            live = live.withInterval(l.positiveDuration("interval").orElse(live.interval()));
            live = live.withTimeout(l.positiveDuration("timeout").orElse(live.timeout()));
            live = live.withFailureThreshold(l.integer("failureThreshold", 1, 1000).orElse(live.failureThreshold()));
            p.liveness(live);
        });
        n.duration("startSeconds").ifPresent(p::startSeconds);
        n.positiveDuration("startTimeout").ifPresent(p::startTimeout);
        n.choice("stopSignal", StopSignal.class).ifPresent(p::stopSignal);
        n.positiveDuration("stopTimeout").ifPresent(p::stopTimeout);
        p.normalExitCodes(codes(n, "normalExitCodes").orElse(new Integer[] {0}));
        codes(n, "restartNowCodes").ifPresent(p::restartNowCodes);
        codes(n, "fatalExitCodes").ifPresent(p::fatalExitCodes);
        n.positiveDuration("silenceTimeout").ifPresent(p::silenceTimeout);
        n.node("heartbeat").ifPresent(h -> {
            h.allow("file", "maxAge");
            p.heartbeat(Path.of(h.requiredString("file")),
                    h.positiveDuration("maxAge").orElseThrow(() -> new ConfigException(h.at("maxAge") + ": required")));
        });
        n.positiveDuration("maxAge").ifPresent(p::maxAge);
        n.node("output").ifPresent(o -> p.output(output(o)));
        p.stateDirectory(n.string("stateDirectory").map(Path::of).orElse(stateDir));
        n.node("guards").ifPresent(g -> p.guards(guards(g)));
        n.node("hostMemoryFloor").ifPresent(f -> p.hostMemoryFloor(floor(f)));
        n.node("preflight").ifPresent(f -> p.preflight(preflight(f)));
        n.node("advisor").ifPresent(a -> p.advisor(advisor(a)));
        n.string("signatures").ifPresent(v -> p.signatures(switch (v) {
            case "builtIn" -> SignatureLibrary.builtIn();
            case "none" -> SignatureLibrary.empty();
            default -> throw new ConfigException(n.at("signatures") + ": expected builtIn or none, was '" + v + "'");
        }));
        n.bool("crashHistory").ifPresent(p::crashHistory);
        if (n.has("backoff")) p.backoff(backoff(n));
        n.choice("restart", Restart.class).ifPresent(p::restart);
        n.bool("significant").ifPresent(p::significant);
        Optional<ConfigNode> proxyNode = n.node("proxy");
        if (proxyNode.isPresent()) {
            if (!prefix.isEmpty()) throw new ConfigException(proxyNode.get().path() + ": a proxy fronts a child of the top-level tree only");
            InFlightRequests inFlight = new InFlightRequests();
            p.inFlightRequests(inFlight);
            Path state = n.string("stateDirectory").map(Path::of).orElse(stateDir);
            proxies.add(proxy(proxyNode.get(), id, inFlight, state));
        }
        ProcessSpec built = build(n.path(), p::build);
        ProcessSpec spec = built.toBuilder().output(built.output().toBuilder().listener(logs.listener(prefix + id)).build()).build();
        processes.put(prefix + id, spec);
        return build(n.path(), spec::childSpec);
    }

    /**
     * {@code proxy: {listen: "127.0.0.1:8080", upstream: "http://127.0.0.1:8000", journal: PATH, retention: 24h,
     * maxHeld: 1000, holdDeadline: 2m, retryAfter: 5s, maxAttempts: 5, maxConcurrent: 64, maxBodySize: 16MiB,
     * attemptTimeout: 10m}}: a replaying proxy in front of child {@code id}.
     */
    private ProxyPlan proxy(ConfigNode x, String id, InFlightRequests inFlight, Path state) {
        x.allow("listen", "upstream", "journal", "retention", "maxHeld", "holdDeadline", "retryAfter", "maxAttempts", "maxConcurrent",
                "maxBodySize", "attemptTimeout");
        String upstream = x.requiredString("upstream");
        URI uri;
        try {
            uri = new URI(upstream);
        } catch (URISyntaxException e) {
            throw new ConfigException(x.at("upstream") + ": expected http://host:port, was '" + upstream + "'");
        }
        ProxySpec.Builder b = ProxySpec.builder(uri).upstreamChild(id).inFlightRequests(inFlight);
        java.net.InetSocketAddress listen = Values.address(x.at("listen"), x.string("listen").orElse("127.0.0.1:0"));
        b.listen(listen.getHostString(), listen.getPort());
        x.integer("maxHeld", 1, 1_000_000).ifPresent(b::maxHeld);
        x.positiveDuration("holdDeadline").ifPresent(b::holdDeadline);
        x.positiveDuration("retryAfter").ifPresent(b::retryAfter);
        x.integer("maxAttempts", 1, 100).ifPresent(b::maxAttempts);
        x.integer("maxConcurrent", 1, 100_000).ifPresent(b::maxConcurrent);
        x.string("maxBodySize").ifPresent(v -> b.maxBodyBytes(Values.bytes(x.at("maxBodySize"), v)));
        x.positiveDuration("attemptTimeout").ifPresent(b::attemptTimeout);
        ProxySpec spec = build(x.path(), b::build);
        Path journal = x.string("journal").map(Path::of).orElse(state.resolve(treeName).resolve("journal-" + id + ".db"));
        JournalSpec.Builder j = JournalSpec.builder(journal);
        x.positiveDuration("retention").ifPresent(j::retention);
        return new ProxyPlan(id, spec, build(x.path(), j::build));
    }

    private static GuardSpec guards(ConfigNode g) {
        g.allow("memoryLimit", "gpuMemoryLimit", "interval", "gpuReleaseTimeout", "nvidiaSmi");
        GuardSpec.Builder b = GuardSpec.builder();
        g.string("memoryLimit").ifPresent(v -> b.treeRssLimitBytes(Values.bytes(g.at("memoryLimit"), v)));
        g.string("gpuMemoryLimit").ifPresent(v -> b.gpuMemoryLimitBytes(Values.bytes(g.at("gpuMemoryLimit"), v)));
        g.positiveDuration("interval").ifPresent(b::interval);
        g.duration("gpuReleaseTimeout").ifPresent(b::gpuReleaseTimeout);
        g.string("nvidiaSmi").ifPresent(v -> b.nvidiaSmi(Path.of(v)));
        return build(g.path(), b::build);
    }

    private static HostMemoryFloor floor(ConfigNode f) {
        f.allow("bytes", "fraction", "interval", "coolDown", "minRecovered", "maxUselessBrakes");
        HostMemoryFloor.Builder b = HostMemoryFloor.builder();
        String how = f.oneOf("bytes", "fraction");
        if (how.equals("bytes")) {
            b.floorBytes(Values.bytes(f.at("bytes"), f.requiredString("bytes")));
        } else {
            b.floorFraction(Values.fraction(f.at("fraction"), f.requiredString("fraction")));
        }
        f.positiveDuration("interval").ifPresent(b::interval);
        f.duration("coolDown").ifPresent(b::coolDown);
        f.string("minRecovered").ifPresent(v -> b.minRecoveredBytes(Values.bytes(f.at("minRecovered"), v)));
        f.integer("maxUselessBrakes", 1, 1000).ifPresent(b::maxUselessBrakes);
        return build(f.path(), b::build);
    }

    private static Preflight preflight(ConfigNode f) {
        f.allow("diskFree", "memoryAvailable", "gpuPresent", "fileExists", "portFree");
        Preflight.Builder b = Preflight.builder();
        f.list("diskFree").ifPresent(l -> {
            for (int i = 0; i < l.size(); i++) {
                ConfigNode d = f.element("diskFree", i, l.get(i)).allow("path", "bytes");
                b.diskFree(Path.of(d.requiredString("path")), Values.bytes(d.at("bytes"), d.requiredString("bytes")));
            }
        });
        f.string("memoryAvailable").ifPresent(v -> b.memoryAvailable(Values.bytes(f.at("memoryAvailable"), v)));
        f.bool("gpuPresent").ifPresent(v -> { if (v) b.gpuPresent(); });
        f.strings("fileExists").ifPresent(l -> l.forEach(x -> b.fileExists(Path.of(x))));
        f.strings("portFree").ifPresent(l -> {
            for (int i = 0; i < l.size(); i++) b.portFree(Values.integer(f.at("portFree") + "[" + i + "]", l.get(i), 1, 65535));
        });
        return build(f.path(), b::build);
    }

    private static RestartAdvisor advisor(ConfigNode a) {
        a.allow("resumeFromCheckpoint", "stepDown");
        RestartAdvisor advisor = null;
        Optional<ConfigNode> resume = a.node("resumeFromCheckpoint");
        if (resume.isPresent()) {
            ConfigNode r = resume.get().allow("dir", "prefix", "flag", "markerFile");
            RestartAdvisor x = build(r.path(), () -> RestartAdvisor.resumeFromCheckpoint(Path.of(r.requiredString("dir")),
                    r.string("prefix").orElse("checkpoint-"), r.requiredString("flag"), r.string("markerFile").orElse("trainer_state.json")));
            advisor = x;
        }
        Optional<ConfigNode> step = a.node("stepDown");
        if (step.isPresent()) {
            ConfigNode d = step.get().allow("flag", "step", "floor", "kinds");
            List<String> kinds = d.strings("kinds").orElseThrow(() -> new ConfigException(d.at("kinds") + ": required, e.g. [GPU_OOM]"));
            RestartAdvisor x = build(d.path(), () -> RestartAdvisor.stepDown(d.requiredString("flag"),
                    Values.number(d.at("step"), d.requiredString("step")), Values.number(d.at("floor"), d.requiredString("floor")),
                    Set.copyOf(kinds)));
            advisor = advisor == null ? x : advisor.andThen(x);
        }
        if (advisor == null) throw new ConfigException(a.path() + ": expected resumeFromCheckpoint and/or stepDown");
        return advisor;
    }

    private static Probe probe(ConfigNode r) {
        String kind = r.oneOf("http", "tcp", "logLine", "file", "command");
        if (r.has("bodyMatches") && !kind.equals("http")) {
            throw new ConfigException(r.at("bodyMatches") + ": applies to an http probe only");
        }
        return switch (kind) {
            case "http" -> {
                String url = r.requiredString("http");
                URI uri;
                try {
                    uri = new URI(url);
                } catch (URISyntaxException e) {
                    throw new ConfigException(r.at("http") + ": expected an http:// or https:// URL, was '" + url + "'");
                }
                Optional<Pattern> body = r.string("bodyMatches").map(s -> regex(r.at("bodyMatches"), s));
                yield build(r.at("http"), () -> new Probe.Http(uri, body));
            }
            case "tcp" -> {
                String hostPort = r.requiredString("tcp");
                int colon = hostPort.lastIndexOf(':');
                if (colon <= 0) throw new ConfigException(r.at("tcp") + ": expected host:port, was '" + hostPort + "'");
                int port = Values.integer(r.at("tcp"), hostPort.substring(colon + 1), 1, 65535);
                yield Probe.tcp(hostPort.substring(0, colon), port);
            }
            case "logLine" -> new Probe.LogLine(regex(r.at("logLine"), r.requiredString("logLine")));
            case "file" -> Probe.file(Path.of(r.requiredString("file")));
            default -> {
                List<String> argv = r.strings("command").orElseThrow();
                if (argv.isEmpty() || argv.get(0).isBlank()) throw new ConfigException(r.at("command") + ": must not be empty");
                yield new Probe.Command(argv);
            }
        };
    }

    private static Pattern regex(String where, String s) {
        try {
            return Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(where + ": not a valid regular expression: " + e.getDescription() + " in '" + s + "'");
        }
    }

    private static Backoff backoff(ConfigNode n) {
        if (!(n.raw("backoff") instanceof Map<?, ?>)) return Values.backoff(n.at("backoff"), n.requiredString("backoff"));
        ConfigNode b = n.node("backoff").orElseThrow().allow("initial", "cap", "jitter", "resetAfter");
        Duration initial = b.positiveDuration("initial").orElseThrow(() -> new ConfigException(b.at("initial") + ": required"));
        Duration cap = b.positiveDuration("cap").orElseThrow(() -> new ConfigException(b.at("cap") + ": required"));
        double jitter = b.string("jitter").map(s -> {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                throw new ConfigException(b.at("jitter") + ": expected a fraction in [0, 1], was '" + s + "'");
            }
        }).orElse(0.2);
        Duration resetAfter = b.positiveDuration("resetAfter").orElse(cap.multipliedBy(2));
        return build(n.at("backoff"), () -> new Backoff.Exponential(initial, cap, jitter, resetAfter));
    }

    private static Optional<Integer[]> codes(ConfigNode n, String key) {
        return n.strings(key).map(l -> {
            Integer[] out = new Integer[l.size()];
            for (int i = 0; i < l.size(); i++) out[i] = Values.integer(n.at(key) + "[" + i + "]", l.get(i), 0, 255);
            return out;
        });
    }

    private static OutputSpec output(ConfigNode o) {
        o.allow("sinks", "stdout", "stderr", "maxLineLength", "tailLines");
        OutputSpec.Builder b = OutputSpec.builder();
        sinks(o, "sinks").ifPresent(b::sinks);
        sinks(o, "stdout").ifPresent(b::stdoutSinks);
        sinks(o, "stderr").ifPresent(b::stderrSinks);
        o.string("maxLineLength").ifPresent(s -> {
            long bytes = Values.bytes(o.at("maxLineLength"), s);
            b.maxLineLength((int) Math.min(bytes, Integer.MAX_VALUE));
        });
        o.integer("tailLines", 0, Integer.MAX_VALUE).ifPresent(b::tailLines);
        return build(o.path(), b::build);
    }

    private static Optional<OutputSink[]> sinks(ConfigNode o, String key) {
        if (!o.has(key)) return Optional.empty();
        List<Object> list = o.raw(key) instanceof List<?> ? o.list(key).orElseThrow() : List.of(o.raw(key));
        OutputSink[] out = new OutputSink[list.size()];
        for (int i = 0; i < list.size(); i++) {
            String where = o.at(key) + (o.raw(key) instanceof List<?> ? "[" + i + "]" : "");
            Object v = list.get(i);
            if (v instanceof Map<?, ?>) {
                ConfigNode f = o.element(key, i, v).allow("file", "maxSize", "keep");
                long maxSize = f.string("maxSize").map(s -> Values.bytes(f.at("maxSize"), s)).orElse(100L << 20);
                int keep = f.integer("keep", 0, 1000).orElse(5);
                Path file = Path.of(f.requiredString("file"));
                out[i] = build(where, () -> OutputSink.rotatingFile(file, maxSize, keep));
            } else {
                String s = ConfigNode.scalar(where, v);
                out[i] = switch (s) {
                    case "logger" -> OutputSink.logger();
                    case "passthrough" -> OutputSink.passThrough();
                    case "discard" -> OutputSink.discard();
                    default -> throw new ConfigException(where + ": expected logger, passthrough, discard or {file: PATH, maxSize: 100MiB, keep: 5}, was '" + s + "'");
                };
            }
        }
        return Optional.of(out);
    }

    /**
     * Runs a library builder, turning its {@link IllegalArgumentException} into a message at {@code where}
     * (empty for the top level, whose builder names the supervisor itself).
     */
    private static <T> T build(String where, Supplier<T> builder) {
        try {
            return builder.get();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where.isEmpty() ? e.getMessage() : where + ": " + e.getMessage());
        }
    }
}
