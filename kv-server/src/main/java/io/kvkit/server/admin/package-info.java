/**
 * A node's admin HTTP port and what it shows.
 *
 * <ul>
 *   <li>{@link io.kvkit.server.admin.AdminEndpoint}: HTTP/1.1 server, {@code GET /metrics},
 *       {@code /status}, {@code /health}, over a {@link io.kvkit.server.admin.NodeObservations}
 *       that the node implements.</li>
 *   <li>{@link io.kvkit.server.admin.MetricsWriter}: the Prometheus text format 0.0.4, checked
 *       as it is written; {@link io.kvkit.server.admin.HistogramSnapshot} its histogram input.</li>
 *   <li>Metric sources, each a plain function of the figures a library already exposes:
 *       {@link io.kvkit.server.admin.RequestMetrics} (fed by
 *       {@link io.kvkit.server.admin.TimedRequestHandler}), {@link io.kvkit.server.admin.RaftMetrics},
 *       {@link io.kvkit.server.admin.StorageMetrics}, {@link io.kvkit.server.admin.EndpointMetrics},
 *       {@link io.kvkit.server.admin.JvmMetrics}.</li>
 *   <li>{@link io.kvkit.server.admin.StatusView} and {@link io.kvkit.server.admin.JsonWriter}:
 *       the {@code /status} document.</li>
 * </ul>
 *
 * <p>Naming: every metric starts with {@code kvkit_}, is snake case, carries its unit
 * ({@code _seconds}, {@code _bytes}, {@code _entries}), and counters end in {@code _total}
 * ({@link io.kvkit.server.admin.MetricsWriter} refuses a counter that does not). Label values
 * that clients choose (table names) are bounded in number by
 * {@link io.kvkit.server.admin.RequestMetrics#MAX_SERIES}.
 */
package io.kvkit.server.admin;
