package dev.supervision.process.crash;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An immutable, ordered set of {@link CrashSignature}s with unique ids: what the crash classifier looks
 * for. Start from {@link #builtIn()} (the real crash signatures of PyTorch, vLLM, llama.cpp, MLX, NCCL,
 * the NVIDIA driver, the Linux kernel and common servers) or {@link #empty()}, and derive variants:
 *
 * {@snippet :
 * SignatureLibrary library = SignatureLibrary.builtIn()
 *         .with(nanLoss)                                  // a user signature, checked before the built-ins
 *         .without("vllm-shm-broadcast-timeout")          // not wanted here
 *         .override("cuda-oom", b -> b.action(CrashAction.restartAdjusted("--batch-size 8")));
 * }
 *
 * <p><b>Precedence.</b> Order matters where several signatures match one line: the first in order wins
 * that line. {@link #with} puts a signature <em>first</em>, so user signatures take precedence over the
 * built-ins; {@link #override} keeps the position. Across lines the classifier keeps the most severe
 * match. For the verdict at exit, line and guard matches outrank exit-status signatures of the same
 * severity; INFO matches never decide a verdict.
 *
 * <p><b>Threading.</b> Immutable and thread-safe; every method returns a new library. Failures are
 * {@link IllegalArgumentException}s naming the id or value at fault.
 */
public final class SignatureLibrary {
    private static final SignatureLibrary EMPTY = new SignatureLibrary(List.of());
    private static final SignatureLibrary BUILT_IN = new SignatureLibrary(BuiltInSignatures.all());

    private final List<CrashSignature> signatures;

    private SignatureLibrary(List<CrashSignature> signatures) {
        this.signatures = List.copyOf(signatures);
    }

    /** The built-in signatures (see {@code docs/processes.md} for the table). */
    public static SignatureLibrary builtIn() {
        return BUILT_IN;
    }

    /** No signatures. */
    public static SignatureLibrary empty() {
        return EMPTY;
    }

    /**
     * These signatures, in this order.
     *
     * @throws IllegalArgumentException if one is null or two share an id
     */
    public static SignatureLibrary of(List<CrashSignature> signatures) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < signatures.size(); i++) {
            CrashSignature s = signatures.get(i);
            if (s == null) throw new IllegalArgumentException("signatures[" + i + "] must be a signature, was null");
            if (!ids.add(s.id())) throw new IllegalArgumentException("signature ids must be unique, was '" + s.id() + "' twice");
        }
        return new SignatureLibrary(signatures);
    }

    /** All signatures, in precedence order. */
    public List<CrashSignature> signatures() {
        return signatures;
    }

    /** The signature with this id. */
    public Optional<CrashSignature> signature(String id) {
        return signatures.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /**
     * This library with {@code signature} first (taking precedence over all others); one with the same id
     * is replaced.
     *
     * @throws IllegalArgumentException if {@code signature} is null
     */
    public SignatureLibrary with(CrashSignature signature) {
        if (signature == null) throw new IllegalArgumentException("signature must be a signature, was null");
        List<CrashSignature> list = new ArrayList<>(signatures.size() + 1);
        list.add(signature);
        for (CrashSignature s : signatures) {
            if (!s.id().equals(signature.id())) list.add(s);
        }
        return new SignatureLibrary(list);
    }

    /**
     * This library without signature {@code id}.
     *
     * @throws IllegalArgumentException if there is no such signature (a typo would otherwise go unnoticed)
     */
    public SignatureLibrary without(String id) {
        int i = indexOf(id);
        List<CrashSignature> list = new ArrayList<>(signatures);
        list.remove(i);
        return new SignatureLibrary(list);
    }

    /**
     * This library with signature {@code id} changed in place (same position), e.g.
     * {@code override("cuda-oom", b -> b.action(CrashAction.doNotRestart()))}.
     *
     * @param change receives {@link CrashSignature#toBuilder()} of the signature; must keep its id
     * @throws IllegalArgumentException if there is no such signature, the change renames it, or the changed
     *                                  signature is invalid
     */
    public SignatureLibrary override(String id, UnaryOperator<CrashSignature.Builder> change) {
        int i = indexOf(id);
        CrashSignature.Builder b = change.apply(signatures.get(i).toBuilder());
        if (b == null) throw new IllegalArgumentException("override of '" + id + "' must return the builder, was null");
        CrashSignature changed = b.build();
        if (!changed.id().equals(id)) {
            throw new IllegalArgumentException("override of '" + id + "' must keep the id, was '" + changed.id() + "'");
        }
        List<CrashSignature> list = new ArrayList<>(signatures);
        list.set(i, changed);
        return new SignatureLibrary(list);
    }

    private int indexOf(String id) {
        for (int i = 0; i < signatures.size(); i++) {
            if (signatures.get(i).id().equals(id)) return i;
        }
        throw new IllegalArgumentException("no signature '" + id + "'; ids are "
                + signatures.stream().map(CrashSignature::id).toList());
    }

    @Override
    public String toString() {
        return "SignatureLibrary" + signatures.stream().map(CrashSignature::id).toList();
    }
}
