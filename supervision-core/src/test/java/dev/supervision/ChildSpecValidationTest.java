package dev.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChildSpecValidationTest {
    private static final Worker NOOP = ctx -> { };

    @Test
    void defaultsFollowOtp() {
        ChildSpec w = ChildSpec.worker("w", NOOP).build();
        assertThat(w.restart()).isEqualTo(Restart.PERMANENT);
        assertThat(w.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofSeconds(5)));
        assertThat(w.type()).isEqualTo(ChildType.WORKER);
        assertThat(w.significant()).isFalse();
        ChildSpec s = ChildSpec.supervisor(SupervisorSpec.builder("sub").build()).build();
        assertThat(s.shutdown()).isEqualTo(Shutdown.infinity());
        assertThat(s.type()).isEqualTo(ChildType.SUPERVISOR);
        SupervisorSpec sup = SupervisorSpec.builder("root").build();
        assertThat(sup.intensity()).isEqualTo(1);
        assertThat(sup.period()).isEqualTo(Duration.ofSeconds(5));
        assertThat(sup.strategy()).isEqualTo(Strategy.ONE_FOR_ONE);
    }

    @Test
    void rejectsBlankId() {
        assertThatThrownBy(() -> ChildSpec.worker(" ", NOOP).build()).hasMessageContaining("child id").hasMessageContaining("' '");
    }

    @Test
    void rejectsSignificantPermanent() {
        assertThatThrownBy(() -> ChildSpec.worker("w", NOOP).significant(true).build())
                .hasMessageContaining("'w'").hasMessageContaining("significant").hasMessageContaining("PERMANENT");
    }

    @Test
    void rejectsZeroAndNegativeDurations() {
        assertThatThrownBy(() -> ChildSpec.worker("w", NOOP).shutdown(Duration.ZERO).build())
                .hasMessageContaining("shutdown timeout").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> ChildSpec.worker("w", NOOP).startTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("startTimeout").hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> SupervisorSpec.builder("s").intensity(1, Duration.ZERO).build())
                .hasMessageContaining("period").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> SupervisorSpec.builder("s").intensity(-1, Duration.ofSeconds(1)).build())
                .hasMessageContaining("intensity").hasMessageContaining("-1");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("cap");
    }

    @Test
    void rejectsDuplicateIds() {
        assertThatThrownBy(() -> SupervisorSpec.builder("s")
                .child(ChildSpec.worker("a", NOOP)).child(ChildSpec.worker("a", NOOP)).build())
                .hasMessageContaining("children[1].id").hasMessageContaining("duplicate id 'a'");
    }

    @Test
    void rejectsSignificantChildWithoutAutoShutdown() {
        assertThatThrownBy(() -> SupervisorSpec.builder("s")
                .child(ChildSpec.worker("a", NOOP).restart(Restart.TRANSIENT).significant(true)).build())
                .hasMessageContaining("significant").hasMessageContaining("autoShutdown is NEVER");
    }

    @Test
    void rejectsMaxChildrenOnAStaticSupervisorAndANegativeOne() {
        assertThatThrownBy(() -> SupervisorSpec.builder("s").maxChildren(1)
                .child(ChildSpec.worker("a", NOOP)).child(ChildSpec.worker("b", NOOP)).build())
                .hasMessageContaining("maxChildren=1 applies to a dynamic supervisor");
        assertThatThrownBy(() -> SupervisorSpec.dynamic("d").maxChildren(-1).build())
                .hasMessageContaining("supervisor 'd': maxChildren must be >= 0, was -1");
        assertThat(SupervisorSpec.dynamic("d").maxChildren(0).build().maxChildren()).isZero();   // Elixir allows 0
    }

    @Test
    void toBuilderDerivesAVariantWithoutChangingTheOriginal() {
        ChildSpec a = ChildSpec.worker("w", NOOP).build();
        ChildSpec b = a.toBuilder().restart(Restart.TEMPORARY).build();
        assertThat(a.restart()).isEqualTo(Restart.PERMANENT);
        assertThat(b.restart()).isEqualTo(Restart.TEMPORARY);
    }

    @Test
    void rejectsAMissingStart() {
        assertThatThrownBy(() -> ChildSpec.worker("w", null)).hasMessageContaining("worker must not be null").hasMessageContaining("'w'");
        assertThatThrownBy(() -> ChildSpec.builder("p", null, ChildType.WORKER).build())
                .hasMessageContaining("child 'p'").hasMessageContaining("start must not be null");
    }
}
