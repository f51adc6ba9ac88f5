import type { Registry } from 'prom-client';

/** What the tool wrapper reports about each call. */
export interface CallMetrics {
  recordCall(tool: string, outcome: string, seconds: number): void;
}

/** Metrics for servers nobody scrapes (stdio): records nothing, loads nothing. */
export const noMetrics: CallMetrics = { recordCall: () => undefined };

/** Prometheus metrics of one HTTP server process, served on /metrics. */
export interface PromMetrics extends CallMetrics {
  registry: Registry;
}

/** Loads prom-client (only HTTP servers pay for it) and registers call and process metrics. */
export async function createPromMetrics(app: string): Promise<PromMetrics> {
  // A CommonJS package: its module.exports is the default export, bundled or not.
  const { default: prom } = await import('prom-client');
  const { Counter, Histogram, Registry, collectDefaultMetrics } = prom;
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: 'bounded_tool_calls_total',
    help: 'Tool calls by tool and outcome (ok, replayed, input_required, or an error code).',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'bounded_tool_duration_seconds',
    help: 'Tool call duration in seconds.',
    labelNames: ['tool'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    registry,
    recordCall(tool, outcome, seconds) {
      calls.inc({ tool, outcome });
      duration.observe({ tool }, seconds);
    },
  };
}
