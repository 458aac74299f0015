package dev.supervision.examples.trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;

/**
 * A fake training job for the trainer demo and its test: no GPU, no data. It runs {@code --steps}
 * steps, appends each finished step to {@code <out>/steps.log} as {@code <incarnation> <step>}, prints a
 * progress bar, and every {@code --checkpoint-every} steps writes {@code <out>/checkpoint-<step>/}: first
 * {@code model.safetensors}, then {@code trainer_state.json}, whose presence marks the checkpoint complete
 * (as Hugging Face's Trainer does). Given {@code --resume-from-checkpoint DIR} it continues after that
 * checkpoint's step. Exits 0 when all steps are done.
 *
 * <p>It crashes on purpose in its first three starts ({@code SUPERVISION_INCARNATION}): the first runs
 * out of GPU memory a few steps after a checkpoint, the second dies of a segfault while writing a
 * checkpoint (leaving it half-written), the third hits an NCCL watchdog timeout. Later starts finish.
 *
 * <pre>java dev.supervision.examples.trainer.FakeTrainer --out DIR [--steps 120] [--checkpoint-every 10] [--step-millis 40] [--resume-from-checkpoint DIR]</pre>
 */
public final class FakeTrainer {
    private FakeTrainer() {}

    public static void main(String[] args) throws Exception {
        Path out = null;
        Path resume = null;
        int steps = 120;
        int every = 10;
        long stepMillis = 40;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--checkpoint-every" -> every = Integer.parseInt(args[i + 1]);
                case "--step-millis" -> stepMillis = Long.parseLong(args[i + 1]);
                case "--resume-from-checkpoint" -> resume = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null) throw new IllegalArgumentException("--out is required");
        int incarnation = Integer.parseInt(System.getenv().getOrDefault("SUPERVISION_INCARNATION", "1"));
        int first = 1;
        if (resume != null) {
            String state = Files.readString(resume.resolve("trainer_state.json"), StandardCharsets.UTF_8);
            first = Integer.parseInt(state.replaceAll("(?s).*\"global_step\":\\s*(\\d+).*", "$1")) + 1;
            System.out.println("Resuming training from checkpoint " + resume.getFileName() + ": continuing at step " + first);
        } else {
            System.out.println("***** Running training ***** Total optimization steps = " + steps);
        }
        Random random = new Random(31L * incarnation);
        int crashAt = switch (incarnation) {
            case 1, 3 -> Math.min(steps, first + every + 3 + random.nextInt(every - 4));   // a few steps past a checkpoint
            default -> -1;
        };
        Files.createDirectories(out);
        Path log = out.resolve("steps.log");
        for (int step = first; step <= steps; step++) {
            Thread.sleep(stepMillis);
            double loss = 2.5 * Math.exp(-step / 60.0) + 0.05 * random.nextDouble();
            Files.writeString(log, incarnation + " " + step + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (step % 10 == 0 || step == steps) System.out.println(bar(step, steps, loss));
            if (step == crashAt) crash(incarnation);
            if (step % every == 0) checkpoint(out, step, incarnation == 2);
        }
        System.out.println("{'train_runtime': done, 'train_steps': " + steps + "}");
    }

    private static String bar(int step, int steps, double loss) {
        int filled = 30 * step / steps;
        return String.format(Locale.ROOT, "%3d%%|%s%s| %d/%d [loss=%.4f]", 100 * step / steps, "█".repeat(filled),
                " ".repeat(30 - filled), step, steps, loss);
    }

    private static void checkpoint(Path out, int step, boolean dieWhileWriting) throws IOException {
        Path dir = out.resolve("checkpoint-" + step);
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.safetensors"), new byte[4096]);
        if (dieWhileWriting) {
            System.err.println("Fatal Python error: Segmentation fault");
            System.err.println("Current thread 0x00007f3a2c1ff740 (most recent call first):");
            System.err.println("  File \"/usr/lib/python3.12/site-packages/safetensors/torch.py\", line 286 in save_file");
            System.err.flush();
            Runtime.getRuntime().halt(139);
        }
        Files.writeString(dir.resolve("trainer_state.json"), "{\"global_step\": " + step + "}", StandardCharsets.UTF_8);
        System.out.println("Saving model checkpoint to " + dir);
    }

    private static void crash(int incarnation) {
        if (incarnation == 1) {
            System.err.println("Traceback (most recent call last):");
            System.err.println("  File \"/workspace/train.py\", line 212, in training_step");
            System.err.println("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB. GPU 0 has a total capacity of 79.19 GiB"
                    + " of which 1.02 GiB is free. Of the allocated memory 77.02 GiB is allocated by PyTorch, and 596.00 MiB is"
                    + " reserved by PyTorch but unallocated.");
        } else {
            System.err.println("[rank1]:[E1123 06:12:44.123456789 ProcessGroupNCCL.cpp:616] [Rank 1] Watchdog caught collective"
                    + " operation timeout: WorkNCCL(SeqNum=48213, OpType=ALLREDUCE, NumelIn=262144, NumelOut=262144,"
                    + " Timeout(ms)=600000) ran for 600043 milliseconds before timing out.");
        }
        System.err.flush();
        Runtime.getRuntime().halt(1);
    }
}
