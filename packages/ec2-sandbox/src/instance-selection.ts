import type { ActionContext } from './action.js';
import type { InstanceRecord } from './fleet.js';
import { takePage, type Page } from './pagination.js';
import type { Params } from './query-params.js';

/**
 * The page of instances a Describe* request selects: those named (all, if none are; an unknown id
 * is `InvalidInstanceID.NotFound`) that `keep` accepts, in launch order.
 */
export function selectInstances(
  { fleet, now }: ActionContext,
  instanceIds: readonly string[],
  keep: (instance: InstanceRecord) => boolean,
  params: Params,
): Page<InstanceRecord> {
  const all = fleet.instances(now);
  const named = instanceIds.length > 0 ? new Set(fleet.find(instanceIds, now)) : undefined;
  const position = new Map(all.map((instance, index) => [instance, index]));
  const selected = all.filter((instance) => (!named || named.has(instance)) && keep(instance));
  return takePage(selected, params, (instance) => position.get(instance)!, { min: 5, max: 1000 });
}
