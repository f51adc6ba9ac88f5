import { isPreviousGeneration, successorOf } from './instance-generation.js';
import { hourlyMicroUsd } from './prices.js';
import { isManaged, TAG } from './tags.js';

/** What the report needs of an instance. */
export interface FleetInstance {
  id: string;
  type: string;
  state: string;
  tags: Readonly<Record<string, string>>;
  /** When it entered its current state, if known. */
  stateChangedAt: Date | undefined;
}

export interface Bucket {
  key: string;
  instances: number;
  running: number;
  /** Running instances only: a stopped instance pays for its volumes, not for compute. */
  hourlyMicroUsd: number;
}

export interface FleetReport {
  total: number;
  managed: number;
  byState: Bucket[];
  byType: Bucket[];
  byEnvironment: Bucket[];
  untagged: string[];
  longStopped: { id: string; since: string | undefined }[];
  previousGeneration: { type: string; instances: number; suggestion: string | undefined }[];
  hourlyMicroUsd: number;
  /** Running instances whose type the price table does not list (excluded from the cost). */
  unpriced: { type: string; instances: number }[];
}

/** Counts, costs and clean-up candidates of a fleet; `unknown`-environment instances group under "(none)". */
export function fleetReport(
  instances: readonly FleetInstance[],
  now: Date,
  longStoppedDays: number,
): FleetReport {
  const byState = new Map<string, Bucket>();
  const byType = new Map<string, Bucket>();
  const byEnvironment = new Map<string, Bucket>();
  const unpriced = new Map<string, number>();
  const untagged: string[] = [];
  const longStopped: FleetReport['longStopped'] = [];
  const previous = new Map<string, number>();
  const cutoff = now.getTime() - longStoppedDays * 86_400_000;
  let hourly = 0;
  let managed = 0;
  for (const instance of instances) {
    if (instance.state === 'terminated') continue;
    const running = instance.state === 'running' || instance.state === 'pending';
    const price = hourlyMicroUsd(instance.type);
    const charge = running ? (price ?? 0) : 0;
    if (running && price === undefined) unpriced.set(instance.type, (unpriced.get(instance.type) ?? 0) + 1);
    hourly += charge;
    if (isManaged(instance.tags)) managed += 1;
    for (const [map, key] of [
      [byState, instance.state],
      [byType, instance.type],
      [byEnvironment, instance.tags[TAG.environment] ?? '(none)'],
    ] as const) {
      const bucket = map.get(key) ?? { key, instances: 0, running: 0, hourlyMicroUsd: 0 };
      bucket.instances += 1;
      bucket.running += running ? 1 : 0;
      bucket.hourlyMicroUsd += charge;
      map.set(key, bucket);
    }
    if (Object.keys(instance.tags).length === 0) untagged.push(instance.id);
    if (instance.state === 'stopped' && (instance.stateChangedAt?.getTime() ?? Infinity) < cutoff) {
      longStopped.push({ id: instance.id, since: instance.stateChangedAt?.toISOString() });
    }
    if (isPreviousGeneration(instance.type))
      previous.set(instance.type, (previous.get(instance.type) ?? 0) + 1);
  }
  const sorted = (map: Map<string, Bucket>) =>
    [...map.values()].sort(
      (a, b) =>
        b.hourlyMicroUsd - a.hourlyMicroUsd || b.instances - a.instances || a.key.localeCompare(b.key),
    );
  return {
    total: [...byState.values()].reduce((n, b) => n + b.instances, 0),
    managed,
    byState: sorted(byState),
    byType: sorted(byType),
    byEnvironment: sorted(byEnvironment),
    untagged,
    longStopped,
    previousGeneration: [...previous].map(([type, count]) => ({
      type,
      instances: count,
      suggestion: successorOf(type),
    })),
    hourlyMicroUsd: hourly,
    unpriced: [...unpriced].map(([type, count]) => ({ type, instances: count })),
  };
}
