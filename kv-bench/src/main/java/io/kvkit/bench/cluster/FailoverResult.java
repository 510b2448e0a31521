package io.kvkit.bench.cluster;

import java.util.Arrays;
import java.util.List;

/**
 * Failover of one target: every trial, and the median and maximum of the trials that committed.
 *
 * @param groups        Raft groups of the cluster the trials ran on
 * @param failedTrials  trials with no commit within the trial timeout (not in median or max)
 */
public record FailoverResult(int groups, List<FailoverMeasurement.Trial> trials, double medianMillis, double maxMillis, int failedTrials,
                             String method) {

    static FailoverResult of(int groups, List<FailoverMeasurement.Trial> trials) {
        double[] ok = trials.stream().mapToDouble(FailoverMeasurement.Trial::millis).filter(m -> m >= 0).sorted().toArray();
        int failed = trials.size() - ok.length;
        return new FailoverResult(groups, List.copyOf(trials), median(ok), ok.length == 0 ? -1 : ok[ok.length - 1], failed,
                "kill -9 of the process leading the key's group, then a write attempt to a live node every "
                        + FailoverMeasurement.PROBE_INTERVAL.toMillis() + " ms (deadline " + FailoverMeasurement.PROBE_DEADLINE.toSeconds()
                        + " s each) until one commits; time = kill to that commit's acknowledgement; the killed node is restarted "
                        + "and the cluster healthy before the next trial");
    }

    /** Median of sorted values (mean of the middle two for an even count); -1 for none. */
    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return -1;
        }
        double[] s = sorted.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }
}
