package io.kvkit.client;

import static io.kvkit.client.FakeCluster.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvkit.client.proto.Request;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the client does when a partition no longer knows its session. */
class KvClientSessionTest {
    private FakeCluster cluster;
    private KvClient client;

    @BeforeEach
    void start() {
        cluster = new FakeCluster(3, 8, 3);
        client = KvClient.builder().seeds(cluster.seeds().getFirst()).defaultDeadline(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    /** A command that cannot have applied anywhere is resent under a fresh session: the caller sees nothing. */
    @Test
    void aForgottenSessionIsReplacedTransparentlyForACommandThatCannotHaveApplied() {
        byte[] key = bytes("k");
        client.put(key, bytes("1"));
        cluster.forgetSessions();

        client.put(key, bytes("2"));

        assertThat(cluster.valueOf("default", key)).isEqualTo(bytes("2"));
        assertThat(cluster.sessionsExpired.get()).isEqualTo(1);
        long leader = cluster.leaderOf(cluster.partitioner.partitionOf(key));
        assertThat(cluster.node(leader).received(Request.BodyCase.PUT)).isEqualTo(3);
        client.put(key, bytes("3")); // the new session is known now
        assertThat(cluster.sessionsExpired.get()).isEqualTo(1);
    }

    /**
     * The CAS applied, its answer was lost, and the partition forgot the session before the
     * retry: the client cannot know whether it applied and must say so rather than guess.
     */
    @Test
    void aRetryThatFindsItsSessionForgottenReportsAnUnknownOutcome() {
        byte[] key = bytes("k");
        client.put(key, bytes("0")); // the partition knows the session: a retry no longer says 'open'
        cluster.dropConnectionAfterCas.set(1);
        cluster.forgetSessionsAfterDrop = true;

        assertThatThrownBy(() -> client.compareAndSet(key, bytes("0"), bytes("1")))
                .isInstanceOfSatisfying(KvException.class, e -> assertThat(e.status()).isEqualTo(KvStatus.SESSION_EXPIRED))
                .hasMessageContaining("the outcome is unknown");
        assertThat(cluster.casApplications.get()).isEqualTo(1);
        assertThat(cluster.valueOf("default", key)).isEqualTo(bytes("1"));
        // later commands run under a new session
        assertThat(client.compareAndSet(key, bytes("1"), bytes("2")).succeeded()).isTrue();
    }
}
