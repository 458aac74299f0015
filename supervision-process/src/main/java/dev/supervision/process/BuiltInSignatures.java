package dev.supervision.process;

import static dev.supervision.process.CrashAction.alert;
import static dev.supervision.process.CrashAction.doNotRestart;
import static dev.supervision.process.CrashAction.restart;
import static dev.supervision.process.CrashAction.restartAdjusted;
import static dev.supervision.process.CrashAction.waitForMemoryThenRestart;

import java.util.List;

/**
 * The built-in signatures, from the messages the tools really print (PyTorch, vLLM, llama.cpp, MLX,
 * NCCL, the NVIDIA driver, the Linux kernel, CPython, servers). Order is precedence: a specific
 * signature comes before a general one that shares its keyword.
 */
final class BuiltInSignatures {
    private BuiltInSignatures() {}

    static List<CrashSignature> all() {
        return List.of(
                // PyTorch: "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; ...)"
                CrashSignature.builder("cuda-oom").kind(CrashKind.GPU_OOM)
                        .onLine("CUDA out of memory\\. Tried to allocate \\d", "CUDA out of memory")
                        .action(restartAdjusted("smaller batch size or lower GPU memory utilisation"))
                        .advice("the GPU ran out of memory: lower the batch size or --gpu-memory-utilization;"
                                + " if other processes hold GPU memory, stop them first").build(),
                // CUDA via PyTorch: "RuntimeError: CUDA error: out of memory"
                CrashSignature.builder("cuda-error-oom").kind(CrashKind.GPU_OOM)
                        .onLine("CUDA error: out of memory", "CUDA error: out of memory")
                        .action(restartAdjusted("smaller batch size or lower GPU memory utilisation"))
                        .advice("a CUDA allocation failed: lower the batch size or the memory utilisation").build(),
                // vLLM: "ValueError: Free memory on device (14.5/23.65 GiB) on startup is less than desired GPU memory utilization (0.9, 21.28 GiB)."
                CrashSignature.builder("vllm-free-memory-at-startup").kind(CrashKind.GPU_MEMORY_NOT_RELEASED)
                        .onLine("Free memory on device \\([\\d.]+/[\\d.]+ ?[KMGT]i?B\\) on startup is less than desired GPU"
                                + " memory utilization", "Free memory on device")
                        .action(waitForMemoryThenRestart())
                        .advice("the previous incarnation (or another process) still holds GPU memory: wait for its"
                                + " release instead of burning retries").build(),
                // vLLM: "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` ..."
                CrashSignature.builder("vllm-no-cache-blocks").kind(CrashKind.KV_CACHE_CONFIG)
                        .onLine("No available memory for the cache blocks", "No available memory for the cache blocks")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the model leaves no memory for the KV cache; raise"
                                + " --gpu-memory-utilization, lower --max-model-len or use more GPUs").build(),
                // vLLM: "ValueError: To serve at least one request with the models's max seq len (32768), (4.0 GiB KV cache is
                // needed, which is larger than the available KV cache memory (2.5 GiB). ..."
                CrashSignature.builder("vllm-kv-cache-too-small").kind(CrashKind.KV_CACHE_CONFIG)
                        .onLine("KV cache is needed, which is larger than the available KV cache memory",
                                "larger than the available KV cache memory")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: lower --max-model-len or raise --gpu-memory-utilization").build(),
                // llama.cpp: "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory"
                CrashSignature.builder("llama-cuda-malloc").kind(CrashKind.GPU_OOM)
                        .onLine("cudaMalloc failed: out of memory", "cudaMalloc failed")
                        .action(restartAdjusted("fewer GPU layers (--n-gpu-layers) or a smaller context (--ctx-size)"))
                        .advice("llama.cpp could not allocate GPU memory: offload fewer layers or shrink the context").build(),
                // "RuntimeError: CUDA error: an illegal memory access was encountered"
                CrashSignature.builder("cuda-illegal-memory-access").kind(CrashKind.ILLEGAL_MEMORY_ACCESS)
                        .onLine("CUDA error: an illegal memory access was encountered", "illegal memory access")
                        .advice("the CUDA context is dead: restart the whole tree; if one request triggers it again,"
                                + " quarantine that request").build(),
                // "RuntimeError: CUDA error: device-side assert triggered"
                CrashSignature.builder("cuda-device-side-assert").kind(CrashKind.DEVICE_ASSERT)
                        .onLine("CUDA error: device-side assert triggered", "device-side assert triggered")
                        .advice("a kernel assertion fired (often an out-of-range index): restart, do not replay the"
                                + " triggering request").build(),
                // "[rank0]:[E ProcessGroupNCCL.cpp:616] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=..., OpType=ALLREDUCE, ...)"
                CrashSignature.builder("nccl-watchdog-timeout").kind(CrashKind.NCCL_TIMEOUT)
                        .onLine("Watchdog caught collective operation timeout: WorkNCCL\\(", "Watchdog caught collective")
                        .advice("a rank hung or died during a collective: restart all ranks from the last checkpoint").build(),
                // "ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely."
                CrashSignature.builder("nccl-remote-error").kind(CrashKind.NCCL_REMOTE)
                        .onLine("\\bncclRemoteError\\b", "ncclRemoteError")
                        .advice("a remote rank or the network failed: restart the group; if it repeats, alert").build(),
                // MLX: "[METAL] Command buffer execution failed: Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)"
                CrashSignature.builder("metal-insufficient-memory").kind(CrashKind.METAL_OOM)
                        .onLine("\\[METAL\\] Command buffer execution failed: Insufficient Memory", "[METAL] Command buffer")
                        .action(waitForMemoryThenRestart())
                        .advice("unified memory is exhausted: wait for memory, then use a smaller batch or context").build(),
                // MLX: "[METAL] Command buffer execution failed: Caused GPU Timeout Error (...)"
                CrashSignature.builder("metal-command-buffer-failed").kind(CrashKind.METAL_COMMAND_FAILED)
                        .onLine("\\[METAL\\] Command buffer execution failed", "[METAL] Command buffer")
                        .advice("a Metal command buffer failed: restart; if it recurs, alert").build(),
                // Metal: "-[_MTLCommandBuffer addCompletedHandler:]:976: failed assertion `Completed handler provided after commit call'"
                CrashSignature.builder("metal-completed-handler-assertion").kind(CrashKind.METAL_ASSERT)
                        .onLine("-\\[_?MTLCommandBuffer addCompletedHandler:\\][:\\d]*:? ?failed assertion", "addCompletedHandler:")
                        .advice("Metal aborted the process (SIGABRT): restart; if it recurs, alert and pin the MLX and"
                                + " macOS versions").build(),
                // vLLM v1: "vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue. ..."
                //          "Engine core proc EngineCore_0 died unexpectedly, shutting down client."
                CrashSignature.builder("vllm-engine-dead").kind(CrashKind.ENGINE_DEAD)
                        .onLine("\\bEngineDeadError\\b|Engine core proc \\S+ died unexpectedly", "EngineDeadError",
                                "died unexpectedly")
                        .advice("vLLM's engine died and the API may keep answering 500: restart the whole server;"
                                + " the root cause is usually printed just before").build(),
                // vLLM: "No available shared memory broadcast block found in 60 seconds. This typically happens when ..."
                CrashSignature.builder("vllm-shm-broadcast-timeout").kind(CrashKind.SHM_BROADCAST_TIMEOUT)
                        .onLine("No available shared memory broadcast block found in \\d+ seconds?",
                                "shared memory broadcast block")
                        .severity(Severity.WARNING)
                        .advice("workers waited for each other: a hang only if repeated after ready; ignore during"
                                + " model loading and compilation").build(),
                // Kernel: "Out of memory: Killed process 12345 (python3) total-vm:..." and
                //         "Memory cgroup out of memory: Killed process 12345 (python3) ..."
                CrashSignature.builder("kernel-oom-killer").kind(CrashKind.KERNEL_OOM_KILL)
                        .onLine("[Oo]ut of memory: Killed process \\d+", "of memory: Killed process")
                        .action(restartAdjusted("less host memory: fewer workers or a smaller batch"))
                        .advice("the kernel's OOM killer killed the process: reduce its memory").build(),
                // CPython: "MemoryError", "MemoryError: ...", "[rank0]: MemoryError", "numpy.core._exceptions._ArrayMemoryError: Unable to allocate ..."
                // (Python prints the exception line unindented: "^MemoryError" costs nothing per line, unlike a short keyword)
                CrashSignature.builder("python-memory-error").kind(CrashKind.HOST_OOM)
                        .onLine("(?:^|: )(?:[A-Za-z_][\\w.]*\\.)?_?(?:Array)?MemoryError(?::|$)", "^MemoryError",
                                "]: MemoryError:", "]: MemoryError$", "._ArrayMemoryError")
                        .action(waitForMemoryThenRestart())
                        .advice("Python could not allocate host memory: check available memory, then restart").build(),
                // "Segmentation fault (core dumped)", "Fatal Python error: Segmentation fault", dmesg "python[123]: segfault at 0 ip ..."
                CrashSignature.builder("segfault").kind(CrashKind.SEGFAULT)
                        .onLine("(?:^|\\s)Segmentation fault(?:\\s|$)|\\]: segfault at [0-9a-f]+ ip [0-9a-f]+",
                                "Segmentation fault", "]: segfault at ")
                        .advice("native code crashed: restart with backoff; if the same request does it twice, treat"
                                + " it as poison").build(),
                // NVIDIA driver: "NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus."
                //                "NVRM: Xid (PCI:0000:01:00): 48, pid=..., An uncorrectable double bit error (DBE) ..."
                CrashSignature.builder("nvidia-xid-fatal").kind(CrashKind.GPU_HARDWARE)
                        .onLine("NVRM: Xid \\(PCI:[^)]*\\): (?:79|48)\\b", "NVRM: Xid (PCI:")
                        .severity(Severity.CRITICAL).action(alert(doNotRestart()))
                        .advice("the GPU fell off the bus (Xid 79) or has an uncorrectable ECC error (Xid 48): do not"
                                + " restart on that GPU; a person must reset or replace it").build(),
                // "OSError: [Errno 28] No space left on device", Go: "write /data/x: no space left on device"
                CrashSignature.builder("disk-full").kind(CrashKind.DISK_FULL)
                        .onLine("[Nn]o space left on device", "o space left on device")
                        .severity(Severity.CRITICAL).action(alert(doNotRestart()))
                        .advice("a file system is full (checkpoints, logs, caches): free space before restarting").build(),
                // uvicorn: "ERROR:    [Errno 98] error while attempting to bind on address ('0.0.0.0', 8000): address already in use"
                // Go: "listen tcp :8080: bind: address already in use"; Java: "java.net.BindException: Address already in use"
                // llama.cpp: "couldn't bind HTTP server socket, hostname: 127.0.0.1, port: 8080"
                CrashSignature.builder("port-in-use").kind(CrashKind.PORT_IN_USE)
                        .onLine("(?:\\[Errno (?:98|48)\\]|\\bbind\\b|BindException|EADDRINUSE|OSError|[Ee]rror).*"
                                + "[Aa]ddress already in use|couldn't bind HTTP server socket",
                                "ddress already in use", "couldn't bind HTTP server socket")
                        .advice("an old incarnation (or another server) holds the port: find and stop it before"
                                + " restarting; do not loop").build(),
                // vLLM (HTTP 400): "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens ..."
                CrashSignature.builder("vllm-max-context-length").kind(CrashKind.CLIENT_ERROR)
                        .onLine("This model's maximum context length is \\d+ tokens", "maximum context length is")
                        .severity(Severity.INFO)
                        .advice("a client's request was too long (HTTP 400): a client error, never a reason to restart").build(),

                CrashSignature.builder("exit-sigsegv").kind(CrashKind.SEGFAULT).onExit(139)
                        .advice("killed by SIGSEGV: native code crashed; restart with backoff").build(),
                CrashSignature.builder("exit-sigabrt").kind(CrashKind.ABORT).onExit(134)
                        .advice("aborted (SIGABRT): a failed native assertion or an uncaught C++ exception; the last"
                                + " lines usually say which").build(),
                // Any SIGKILL reads the same: a person's kill -9, a container runtime, the OOM killer. Only a kernel line
                // or the cgroup's counter (guard-oom-kill below) makes it an OOM kill.
                CrashSignature.builder("exit-sigkill").kind(CrashKind.KILLED).onExit(137)
                        .severity(Severity.WARNING)
                        .advice("killed by SIGKILL from outside: a kill -9, a container runtime or the kernel's OOM"
                                + " killer; if it was the OOM killer, dmesg shows 'Killed process <pid>'").build(),

                CrashSignature.builder("guard-oom-kill").kind(CrashKind.KERNEL_OOM_KILL).onGuard("oom-kill")
                        .action(restartAdjusted("less host memory: fewer workers or a smaller batch"))
                        .advice("the cgroup's memory.events counted an OOM kill: reduce the process's memory").build(),
                CrashSignature.builder("guard-memory-limit").kind(CrashKind.MEMORY_LIMIT).onGuard("memory-limit")
                        .advice("the process tree's memory was over its limit, or the host's available memory under"
                                + " the floor: restarted with fresh memory; a leak if it repeats").build(),
                CrashSignature.builder("guard-gpu-memory-limit").kind(CrashKind.GPU_MEMORY_LIMIT).onGuard("gpu-memory-limit")
                        .action(waitForMemoryThenRestart())
                        .advice("the process tree's GPU memory was over its limit").build());
    }
}
