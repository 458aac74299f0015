package dev.supervision.process.crash;

/**
 * What went wrong, as a category that restart logic can switch on. A {@link CrashSignature} names one;
 * several signatures may share a kind (PyTorch's and llama.cpp's GPU out-of-memory are both
 * {@link #GPU_OOM}). User signatures for causes not listed here use {@link #OTHER} and are told apart
 * by their id.
 */
public enum CrashKind {
    /** The GPU ran out of memory during an allocation (PyTorch, llama.cpp). */
    GPU_OOM,
    /** At startup the GPU memory is still held, typically by the previous incarnation (vLLM). */
    GPU_MEMORY_NOT_RELEASED,
    /** The KV cache does not fit with this configuration (vLLM): the same command fails again. */
    KV_CACHE_CONFIG,
    /** A CUDA kernel accessed memory illegally; the CUDA context is dead. */
    ILLEGAL_MEMORY_ACCESS,
    /** A device-side assertion fired in a CUDA kernel (often a bad index from one request). */
    DEVICE_ASSERT,
    /** A NCCL collective timed out in PyTorch's watchdog: some rank hangs or died. */
    NCCL_TIMEOUT,
    /** NCCL reported a remote peer or network failure. */
    NCCL_REMOTE,
    /** A Metal command buffer failed for lack of memory (MLX on Apple silicon). */
    METAL_OOM,
    /** A Metal command buffer failed for another reason (GPU timeout, page fault). */
    METAL_COMMAND_FAILED,
    /** Metal's {@code addCompletedHandler} assertion (MLX), which aborts the process. */
    METAL_ASSERT,
    /** vLLM's engine core died; the API may keep answering 500. */
    ENGINE_DEAD,
    /** vLLM workers waited too long for a shared-memory broadcast block: a hang, if repeated after ready. */
    SHM_BROADCAST_TIMEOUT,
    /**
     * The Linux OOM killer killed the process: confirmed by a kernel OOM line in the output or by the cgroup's
     * {@code oom_kill} counter, never inferred from a SIGKILL alone (that is {@link #KILLED}).
     */
    KERNEL_OOM_KILL,
    /**
     * Killed by SIGKILL, and nothing shows who sent it: a person's {@code kill -9}, a container runtime, or
     * the kernel's OOM killer where its counter could not be read. The report's evidence says whether an
     * OOM kill was looked for and not found.
     */
    KILLED,
    /** The host ran out of memory inside the process (Python {@code MemoryError}). */
    HOST_OOM,
    /** A segmentation fault in native code. */
    SEGFAULT,
    /** The process aborted (SIGABRT): a failed native assertion or an uncaught C++ exception. */
    ABORT,
    /** The GPU failed in hardware or fell off the bus (NVIDIA Xid 79, 48): do not use it again. */
    GPU_HARDWARE,
    /** A file system is full. */
    DISK_FULL,
    /** The server's port is taken, typically by a stale earlier incarnation. */
    PORT_IN_USE,
    /** The model does not exist where the command says, or may not be read: a missing file or repository, a gated repository without a token, an Ollama model never pulled. */
    MODEL_NOT_FOUND,
    /** The model file is there but cannot be used: corrupt, incomplete, of a format or architecture this program does not support. */
    MODEL_INVALID,
    /** The model failed to load and the output names no cause this library knows (llama.cpp's trailer lines). */
    MODEL_LOAD_FAILED,
    /** The command line was refused: an unknown option, a bad value, a setting beyond what the model allows. */
    BAD_ARGUMENTS,
    /** No usable GPU: no driver, a driver too old for this build, no CUDA device visible. */
    GPU_UNAVAILABLE,
    /** A client sent a bad request (HTTP 400); never a reason to restart. */
    CLIENT_ERROR,
    /** A guard stopped the process: its memory was over the limit or the host's available memory under the floor. */
    MEMORY_LIMIT,
    /** A guard stopped the process: its GPU memory was over the limit. */
    GPU_MEMORY_LIMIT,
    /** Anything else (user signatures). */
    OTHER
}
