package dev.supervision.process.crash;

import static dev.supervision.process.crash.CrashAction.alert;
import static dev.supervision.process.crash.CrashAction.doNotRestart;
import static dev.supervision.process.crash.CrashAction.restart;
import static dev.supervision.process.crash.CrashAction.restartAdjusted;
import static dev.supervision.process.crash.CrashAction.waitForMemoryThenRestart;

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
                // PyTorch (c10/cuda/CUDACachingAllocator.cpp): "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate
                // 344.00 MiB. GPU 0 has a total capacity of 139.81 GiB of which 2.00 MiB is free. ..." (older: "(GPU 0; 23.65 GiB
                // total capacity; ...)", class torch.cuda.OutOfMemoryError or RuntimeError); ROCm builds say "HIP out of memory".
                CrashSignature.builder("cuda-oom").kind(CrashKind.GPU_OOM)
                        .onLine("(?:CUDA|HIP) out of memory\\. Tried to allocate \\d", " out of memory. Tried to allocate")
                        .action(restartAdjusted("smaller batch size or lower GPU memory utilisation"))
                        .advice("the GPU ran out of memory: lower the batch size or --gpu-memory-utilization;"
                                + " if other processes hold GPU memory, stop them first").build(),
                // CUDA via PyTorch: "RuntimeError: CUDA error: out of memory" (newer: "torch.AcceleratorError: ..."); llama.cpp's
                // ggml_cuda_error: "CUDA error: out of memory", "ROCm error: out of memory" (HIP builds), then GGML_ABORT
                CrashSignature.builder("cuda-error-oom").kind(CrashKind.GPU_OOM)
                        .onLine("(?:CUDA|ROCm|MUSA) error: out of memory", "CUDA error: out of memory", "ROCm error: out of memory",
                                "MUSA error: out of memory")
                        .action(restartAdjusted("smaller batch size or lower GPU memory utilisation"))
                        .advice("a CUDA allocation failed: lower the batch size or the memory utilisation").build(),
                // vLLM (v1/worker/utils.py request_memory): "ValueError: Free memory on device cuda:0 (85.92/121.69 GiB) on startup
                // is less than desired GPU memory utilization (0.92, 111.95 GiB)."; before ~0.12 without the device name
                CrashSignature.builder("vllm-free-memory-at-startup").kind(CrashKind.GPU_MEMORY_NOT_RELEASED)
                        .onLine("Free memory on device (?:\\S+ )?\\([\\d.]+/[\\d.]+ ?[KMGT]i?B\\) on startup is less than desired"
                                + " GPU memory utilization", "Free memory on device")
                        .action(waitForMemoryThenRestart())
                        .advice("the previous incarnation (or another process) still holds GPU memory: wait for its"
                                + " release instead of burning retries").build(),
                // vLLM: "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` ..."
                CrashSignature.builder("vllm-no-cache-blocks").kind(CrashKind.KV_CACHE_CONFIG)
                        .onLine("No available memory for the cache blocks", "No available memory for the cache blocks")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the model leaves no memory for the KV cache; raise"
                                + " --gpu-memory-utilization, lower --max-model-len or use more GPUs").build(),
                // vLLM v1: "ValueError: To serve at least one request with the models's max seq len (32768), (4.0 GiB KV cache is
                // needed, which is larger than the available KV cache memory (2.5 GiB). ..."; v0 (worker.py): "ValueError: The
                // model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (93760)."
                CrashSignature.builder("vllm-kv-cache-too-small").kind(CrashKind.KV_CACHE_CONFIG)
                        .onLine("KV cache is needed, which is larger than the available KV cache memory|max seq len \\(\\d+\\) is"
                                + " larger than the maximum number of tokens that can be stored in KV cache",
                                "larger than the available KV cache memory", "maximum number of tokens that can be stored")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: lower --max-model-len or raise --gpu-memory-utilization").build(),
                // vLLM (config/model.py): "ValueError: User-specified max_model_len (131072) is greater than the derived
                // max_model_len (max_position_embeddings=32768 ...). To allow overriding this maximum, set the env var
                // VLLM_ALLOW_LONG_MAX_MODEL_LEN=1." With that variable set, the first sentence is only a warning: the tail decides.
                CrashSignature.builder("vllm-max-model-len-too-large").kind(CrashKind.BAD_ARGUMENTS)
                        .onLine("User-specified max_model_len \\(\\d+\\) is greater than the derived max_model_len.*To allow"
                                + " overriding this maximum", "User-specified max")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: --max-model-len is beyond what the model supports; lower it").build(),
                // CPython argparse (vLLM's FlexibleArgumentParser, most Python servers): "vllm serve: error: unrecognized
                // arguments: --disable-log-requests", "api_server.py: error: argument --dtype: invalid choice: 'fp8' (...)"; exit 2
                CrashSignature.builder("argparse-bad-argument").kind(CrashKind.BAD_ARGUMENTS)
                        .onLine(": error: (?:unrecognized arguments: |argument \\S+: (?:invalid choice|expected one argument"
                                + "|invalid \\w+ value))", ": error: unrecognized arguments:", ": error: argument ")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the command line was refused; fix the option it names").build(),
                // huggingface_hub: "huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error. ..." then (the same message)
                // "Repository Not Found for url: https://huggingface.co/api/models/...", "HFValidationError: Repo id must be in the form
                // 'repo_name' or 'namespace/repo_name': '/models/x'"; transformers: "... is not a local folder and is not a valid
                // model identifier listed on 'https://huggingface.co/models'"; mlx-lm (older): "Model not found for path or HF repo: x"
                CrashSignature.builder("hf-model-not-found").kind(CrashKind.MODEL_NOT_FOUND)
                        .onLine("Repository Not Found for url: |is not a local folder and is not a valid model identifier"
                                + "|Model not found for path or HF repo: \\S|Repo id must be in the form 'repo_name' or"
                                + " 'namespace/repo_name'", "Repository Not Found for url",
                                "is not a local folder and is not a valid model identifier", "Model not found for path or HF repo",
                                "Repo id must be in the form")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: no model at that path or repository id; check the path (is the volume"
                                + " mounted?) or the repository name").build(),
                // huggingface_hub: "huggingface_hub.errors.GatedRepoError: 401 Client Error. ...", then "Cannot access gated repo for
                // url https://huggingface.co/meta-llama/..." and the Hub's "Access to model meta-llama/Llama-3.1-8B is restricted";
                // the class line alone decides (the others' keywords, "access", "model", are everywhere in logs)
                CrashSignature.builder("hf-gated-repo").kind(CrashKind.MODEL_NOT_FOUND)
                        .onLine("\\bGatedRepoError: ", "GatedRepoError: ")
                        .severity(Severity.CRITICAL).action(alert(doNotRestart()))
                        .advice("the model is gated: accept its licence on the Hub and set HF_TOKEN for this process").build(),
                // vLLM (transformers_utils/config.py): "ValueError: Invalid repository ID or local directory specified: '/models/x'."
                CrashSignature.builder("vllm-invalid-model").kind(CrashKind.MODEL_NOT_FOUND)
                        .onLine("Invalid repository ID or local directory specified: '", "ID or local directory")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the model is neither a Hub repository nor a local directory with a"
                                + " config.json; check the path").build(),
                // llama.cpp (ggml/src/gguf.cpp): "gguf_init_from_file: failed to open GGUF file '/models/x.gguf' (No such file or
                // directory)"; then the load-failure trailers below, and exit 1 (no abort)
                CrashSignature.builder("llama-gguf-open-failed").kind(CrashKind.MODEL_NOT_FOUND)
                        .onLine("failed to open GGUF file '", "open GGUF file '")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the model file cannot be opened (missing, or not readable); check -m").build(),
                // llama.cpp (gguf.cpp, llama-model-loader.cpp): "gguf_init_from_reader: invalid magic characters: 'PK\\x03\\x04',
                // expected 'GGUF'", "GGUFv1 is no longer supported", "this GGUF file is version 4 but this software only supports up
                // to version 3", "tensor 'blk.21.ffn_up.weight' data is not within the file bounds, model is corrupted or incomplete"
                // (not the long-gone "GGUFv1 is no longer supported": every keyword costs every line a little)
                CrashSignature.builder("llama-model-file-invalid").kind(CrashKind.MODEL_INVALID)
                        .onLine("invalid magic characters: '.{1,16}', expected 'GGUF'|this GGUF file is version \\d+ but this"
                                + " software only supports|model is corrupted or incomplete", "expected 'GGUF'",
                                "GGUF file is version", "model is corrupted or incomplete")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("the model file is corrupt, incomplete or of an unsupported GGUF version: download it again").build(),
                // llama.cpp: "llama_model_load: error loading model: error loading model architecture: unknown model architecture:
                // 'qwen35moe'" (newer builds without the middle part)
                CrashSignature.builder("llama-unknown-architecture").kind(CrashKind.MODEL_INVALID)
                        .onLine("unknown model architecture: '", "model architecture: '")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("this llama.cpp build does not know the model's architecture: upgrade llama.cpp").build(),
                // llama.cpp (common/arg.cpp): "error: invalid argument: --mlock-all"
                CrashSignature.builder("llama-invalid-argument").kind(CrashKind.BAD_ARGUMENTS)
                        .onLine("error: invalid argument: \\S", "error: invalid argument: ")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: llama.cpp refused an option; fix the command line").build(),
                // The ollama CLI (ollama run / pull): "Error: model \"llama3\" not found, try pulling it first" (older with single
                // quotes), "Error: pull model manifest: file does not exist". For "ollama serve" these are 404 answers to a client,
                // not lines of the server: anchored at the line's start, as the CLI prints them.
                CrashSignature.builder("ollama-model-not-found").kind(CrashKind.MODEL_NOT_FOUND)
                        .onLine("^Error: (?:model [\"'][^\"']+[\"'] not found|pull model manifest: file does not exist)", "^Error: ")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("configuration error: the model is not pulled; run 'ollama pull <model>' first").build(),
                // PyTorch (c10/cuda/CUDAFunctions.cpp): "RuntimeError: Found no NVIDIA driver on your system.", "The NVIDIA driver on
                // your system is too old (found version 12040).", "No CUDA GPUs are available"; the CUDA runtime: "no CUDA-capable
                // device is detected", "CUDA driver version is insufficient for CUDA runtime version". Not as a warning (PyTorch's
                // UserWarning at import) nor from llama.cpp's ggml_cuda_init, which goes on without the GPU.
                CrashSignature.builder("gpu-unavailable").kind(CrashKind.GPU_UNAVAILABLE)
                        .onLine("^(?!.*(?:ggml_cuda_init|Warning)).*(?:driver on your system is too old \\(found version \\d+\\)"
                                + "|Found no NVIDIA driver on your system|CUDA driver version is insufficient for CUDA runtime version"
                                + "|no CUDA-capable device is detected|No CUDA GPUs are available)",
                                "driver on your system is too old", "Found no NVIDIA driver", "CUDA driver version is insufficient",
                                "no CUDA-capable device is detected", "No CUDA GPUs are available")
                        .severity(Severity.CRITICAL).action(alert(doNotRestart()))
                        .advice("no usable GPU: check the driver (nvidia-smi), CUDA_VISIBLE_DEVICES and the container's GPU"
                                + " access").build(),
                // PyTorch: "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"
                CrashSignature.builder("cublas-alloc-failed").kind(CrashKind.GPU_OOM)
                        .onLine("CUBLAS_STATUS_ALLOC_FAILED", "CUBLAS_STATUS_ALLOC_FAILED")
                        .action(restartAdjusted("smaller batch size or lower GPU memory utilisation"))
                        .advice("cuBLAS could not allocate its GPU workspace: the GPU is (nearly) full").build(),
                // MLX (mlx/backend/metal/allocator.cpp): "[metal::malloc] Attempting to allocate 68719476736 bytes which is greater
                // than the maximum allowed buffer size of 17179869184 bytes." The same request fails the same way.
                CrashSignature.builder("mlx-max-buffer-size").kind(CrashKind.METAL_OOM)
                        .onLine("\\[metal::malloc\\] Attempting to allocate \\d+ bytes which is greater than the maximum allowed"
                                + " buffer size", "[metal::malloc] Attempting to allocate")
                        .action(restartAdjusted("a smaller context or batch"))
                        .advice("one buffer would exceed Metal's maximum: lower the context length or the batch size").build(),
                // MLX: "[metal::malloc] Resource limit (499000) exceeded.", "[malloc] Unable to allocate 1073741824 bytes."
                CrashSignature.builder("mlx-allocation-failed").kind(CrashKind.METAL_OOM)
                        .onLine("\\[metal::malloc\\] Resource limit \\(\\d+\\) exceeded|\\[malloc\\] Unable to allocate \\d+ bytes",
                                "Resource limit (", "[malloc] Unable to allocate")
                        .action(waitForMemoryThenRestart())
                        .advice("unified memory or Metal resources are exhausted: wait for memory, then restart").build(),
                // mlx-lm (utils.py load_model): "FileNotFoundError: No safetensors found in /models/x"
                CrashSignature.builder("mlx-model-unusable").kind(CrashKind.MODEL_INVALID)
                        .onLine("No safetensors found in \\S", "No safetensors found in")
                        .severity(Severity.CRITICAL).action(doNotRestart())
                        .advice("the model directory has no weights this MLX version can load: check the path and the model"
                                + " type").build(),
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

                // ggml (ggml.c ggml_abort): "/src/llama.cpp/ggml/src/ggml-backend.cpp:1234: GGML_ASSERT(buf != NULL) failed", then
                // a backtrace and SIGABRT. A cause printed before it (an OOM, a load error) is at least as severe and earlier.
                CrashSignature.builder("ggml-assert").kind(CrashKind.ABORT)
                        .onLine(":\\d+: GGML_ASSERT\\(.*\\) failed$", ") failed$")
                        .advice("ggml aborted on a failed assertion (a bug or an unsupported model/GPU combination); the"
                                + " lines before it usually name the cause").build(),
                // libstdc++: "terminate called after throwing an instance of 'c10::DistBackendError'" (the next line, "  what():  ...",
                // carries the message); libc++abi (macOS): "libc++abi: terminating due to uncaught exception of type std::runtime_error:
                // [METAL] ...". A warning: the message's own signature decides when there is one.
                CrashSignature.builder("cxx-uncaught-exception").kind(CrashKind.ABORT)
                        .onLine("terminate called after throwing an instance of '|libc\\+\\+abi: terminating (?:due to|with) uncaught"
                                + " exception of type ", "terminate called after throwing", "libc++abi: terminating")
                        .severity(Severity.WARNING)
                        .advice("an uncaught C++ exception aborted the process; its message ('what()') names the cause").build(),
                // llama.cpp's trailers after any load failure, the cause printed before them or unknown: "llama_model_load_from_file_impl:
                // failed to load model", "common_init_from_params: failed to load model '/models/x.gguf'", "srv    load_model: failed to
                // load model, '/models/x.gguf'", "llama_model_load: error loading model: llama_model_loader: failed to load model from
                // /models/x.gguf": the first two decide (the later lines' words, "failed to load model", are too common a keyword).
                // An ERROR, not CRITICAL: the same trailers follow a GPU OOM ("error loading model: unable to allocate CUDA0
                // buffer"), whose earlier line of equal severity stays the cause.
                CrashSignature.builder("llama-model-load-failed").kind(CrashKind.MODEL_LOAD_FAILED)
                        .onLine("(?:llama_model_load_from_file_impl|llama_load_model_from_file): failed to load model"
                                + "|llama_model_load: error loading model: (?!unable to allocate|failed to allocate)", "llama_model_load",
                                "llama_load_model_from_file")
                        .action(doNotRestart())
                        .advice("the model failed to load; the lines before name the cause (a missing or corrupt file, an"
                                + " unsupported model)").build(),

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
