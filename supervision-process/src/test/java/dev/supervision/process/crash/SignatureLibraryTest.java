package dev.supervision.process.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SignatureLibraryTest {
    private static CrashSignature.Builder valid(String id) {
        return CrashSignature.builder(id).kind(CrashKind.OTHER).onLine("loss is nan", "loss is nan");
    }

    @Test
    void theBuiltInLibraryCoversEveryReferenceRowWithUniqueIds() {
        List<CrashSignature> all = SignatureLibrary.builtIn().signatures();
        assertThat(all).extracting(CrashSignature::id).doesNotHaveDuplicates();
        assertThat(all).extracting(CrashSignature::kind).contains(CrashKind.GPU_OOM, CrashKind.GPU_MEMORY_NOT_RELEASED,
                CrashKind.KV_CACHE_CONFIG, CrashKind.ILLEGAL_MEMORY_ACCESS, CrashKind.DEVICE_ASSERT, CrashKind.NCCL_TIMEOUT,
                CrashKind.NCCL_REMOTE, CrashKind.METAL_OOM, CrashKind.METAL_ASSERT, CrashKind.ENGINE_DEAD,
                CrashKind.SHM_BROADCAST_TIMEOUT, CrashKind.KERNEL_OOM_KILL, CrashKind.HOST_OOM, CrashKind.SEGFAULT,
                CrashKind.GPU_HARDWARE, CrashKind.DISK_FULL, CrashKind.PORT_IN_USE, CrashKind.CLIENT_ERROR);
    }

    @Test
    void configurationErrorsAndHardwareFaultsAreNotRestarted() {
        SignatureLibrary lib = SignatureLibrary.builtIn();
        for (String id : List.of("vllm-no-cache-blocks", "vllm-kv-cache-too-small", "nvidia-xid-fatal", "disk-full")) {
            assertThat(lib.signature(id).orElseThrow().action().restarts()).as(id).isFalse();
        }
        assertThat(lib.signature("vllm-free-memory-at-startup").orElseThrow().action())
                .isEqualTo(CrashAction.waitForMemoryThenRestart());
    }

    @Test
    void withPutsAUserSignatureFirstAndReplacesOneWithTheSameId() {
        CrashSignature mine = valid("cuda-oom").build();
        SignatureLibrary lib = SignatureLibrary.builtIn().with(mine);

        assertThat(lib.signatures().getFirst()).isSameAs(mine);
        assertThat(lib.signatures()).hasSameSizeAs(SignatureLibrary.builtIn().signatures());
        assertThat(lib.signatures().stream().filter(s -> s.id().equals("cuda-oom"))).containsExactly(mine);
    }

    @Test
    void overrideKeepsThePositionAndWithoutRemoves() {
        SignatureLibrary base = SignatureLibrary.builtIn();
        int at = base.signatures().indexOf(base.signature("segfault").orElseThrow());

        SignatureLibrary lib = base.override("segfault", b -> b.severity(Severity.CRITICAL)).without("disk-full");

        assertThat(lib.signatures().get(at).id()).isEqualTo("segfault");
        assertThat(lib.signatures().get(at).severity()).isEqualTo(Severity.CRITICAL);
        assertThat(lib.signature("disk-full")).isEmpty();
        assertThat(base.signature("disk-full")).isPresent();
    }

    @Test
    void unknownIdsAndRenamesAreRejectedNamingTheId() {
        SignatureLibrary lib = SignatureLibrary.builtIn();
        assertThatThrownBy(() -> lib.without("cuda-ooom")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no signature 'cuda-ooom'").hasMessageContaining("cuda-oom");
        assertThatThrownBy(() -> lib.override("segfault", b -> b.id("other"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must keep the id");
        assertThatThrownBy(() -> SignatureLibrary.of(List.of(valid("a").build(), valid("a").build())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' twice");
    }

    @Test
    void invalidSignaturesAreRejectedNamingTheFieldAndValue() {
        assertThatThrownBy(() -> valid("Bad Id").build()).hasMessageContaining("id must match").hasMessageContaining("'Bad Id'");
        assertThatThrownBy(() -> CrashSignature.builder("x").onLine("loss is nan", "loss is nan").build())
                .hasMessageContaining("kind of 'x'");
        assertThatThrownBy(() -> CrashSignature.builder("x").kind(CrashKind.OTHER).build()).hasMessageContaining("when of 'x'");
        assertThatThrownBy(() -> CrashSignature.builder("x").onLine("(unclosed", "unclosed"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pattern of 'x'").hasMessageContaining("(unclosed");
        assertThatThrownBy(() -> CrashSignature.builder("x").onLine("oom", "oom"))
                .hasMessageContaining("keywords").hasMessageContaining("'oom'");
        assertThatThrownBy(() -> CrashSignature.builder("x").onLine("überlauf", "überlauf")).hasMessageContaining("ASCII");
        assertThatThrownBy(() -> CrashSignature.builder("x").onLine("^oom", "^oom")).hasMessageContaining("'^oom'");
        assertThatThrownBy(() -> CrashSignature.builder("x").onExit(300)).hasMessageContaining("0..255").hasMessageContaining("300");
        assertThatThrownBy(() -> CrashSignature.builder("x").onExit()).hasMessageContaining("at least one");
        assertThatThrownBy(() -> CrashSignature.builder("x").onGuard(" ")).hasMessageContaining("reason");
        assertThatThrownBy(() -> valid("x").action(null).build()).hasMessageContaining("action of 'x'");
        assertThatThrownBy(() -> valid("x").advice(null).build()).hasMessageContaining("advice of 'x'");
    }

    @Test
    void actionsValidateTheirArguments() {
        assertThatThrownBy(() -> CrashAction.restartAdjusted(" ")).hasMessageContaining("RestartAdjusted.hint");
        assertThatThrownBy(() -> CrashAction.alert(CrashAction.alert(CrashAction.restart())))
                .hasMessageContaining("Alert.then");
        assertThat(CrashAction.alert(CrashAction.restart()).restarts()).isTrue();
        assertThat(CrashAction.doNotRestart().restarts()).isFalse();
    }

    @Test
    void toBuilderRoundTrips() {
        CrashSignature s = SignatureLibrary.builtIn().signature("cuda-oom").orElseThrow();
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }
}
