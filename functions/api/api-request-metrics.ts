import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One answered API request, as its metrics see it. */
export interface ApiRequestRecord {
  /** The app's route (`/v1/predict`), or `other` for a path it does not serve (keeps the dimension's values few). */
  readonly route: string;
  readonly status: number;
  readonly latencyMs: number;
}

/**
 * Emits one EMF line for a request: `Requests` (1), `Latency` (ms) and `Errors` (1 for a 5xx answer, else 0) with the
 * dimensions `route` and `status` beside the function's `service`. Per-route sums, percentiles and error rates then
 * come from CloudWatch without parsing logs.
 */
export function recordApiRequest(metrics: Metrics, { route, status, latencyMs }: ApiRequestRecord): void {
  metrics.addDimensions({ route, status: String(status) });
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  metrics.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
  metrics.addMetric('Errors', MetricUnit.Count, status >= 500 ? 1 : 0);
  metrics.publishStoredMetrics();
}

/** The route dimension of `path`: the path itself when the app serves it (every route is a fixed path), else `other`. */
export function routeOf(path: string, routes: ReadonlySet<string>): string {
  return routes.has(path) ? path : 'other';
}
