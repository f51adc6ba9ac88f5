import type { Queryable } from '@bounded/core';
import type { FleetUsage } from '../domain/policy.js';
import { hourlyMicroUsd } from '../domain/prices.js';
import { liveInstancesByType } from './environments.js';

/** What the live environments hold, counted and priced, for the policy's fleet-wide limits. */
export async function fleetUsage(q: Queryable): Promise<FleetUsage> {
  let instances = 0;
  let hourly = 0;
  for (const [type, count] of await liveInstancesByType(q)) {
    instances += count;
    // An unpriced type could only come from an older, looser policy; it counts, at no known price.
    hourly += (hourlyMicroUsd(type) ?? 0) * count;
  }
  return { instances, hourlyMicroUsd: hourly };
}
