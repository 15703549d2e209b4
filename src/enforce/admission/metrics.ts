/**
 * Prometheus metrics of the admission webhook, on a registry of its own (so two servers
 * in one process, as in tests, never share counters):
 *
 *  - stockade_admission_decisions_total{rule, outcome}: per rule that had an effect on a
 *    real request: deny, warn, audit or exception (an enforcement exception lifted it).
 *  - stockade_admission_requests_total{endpoint, kind, outcome, dry_run}: per request:
 *    allowed, denied, skipped (nothing to judge), error (failed closed or open), invalid
 *    (not a well-formed AdmissionReview).
 *  - stockade_admission_request_duration_seconds{endpoint}: from the first byte read to
 *    the answer written.
 *
 * Dry-run requests are judged exactly like real ones, counted in requests_total with
 * dry_run="true", and left out of decisions_total, which counts enforcement that happened.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface AdmissionMetrics {
  registry: Registry;
  decisions: Counter<'rule' | 'outcome'>;
  requests: Counter<'endpoint' | 'kind' | 'outcome' | 'dry_run'>;
  latency: Histogram<'endpoint'>;
}

export function createAdmissionMetrics(options: { processMetrics?: boolean } = {}): AdmissionMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'stockade_' });
  return {
    registry,
    decisions: new Counter({ name: 'stockade_admission_decisions_total', help: 'Rule effects on admission requests (dry runs excluded), by rule id and outcome', labelNames: ['rule', 'outcome'], registers: [registry] }),
    requests: new Counter({ name: 'stockade_admission_requests_total', help: 'Admission requests by endpoint, kind, outcome and dry run', labelNames: ['endpoint', 'kind', 'outcome', 'dry_run'], registers: [registry] }),
    latency: new Histogram({
      name: 'stockade_admission_request_duration_seconds',
      help: 'Time from request to answer',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
