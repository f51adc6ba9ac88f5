import { defineAction } from '../action.js';
import { compileFilters, filtersParam, type FilterFields } from '../filters.js';
import type { InstanceRecord } from '../fleet.js';
import { instanceIdsParam } from '../ids.js';
import { STATE_CODES } from '../instance-state.js';
import { stateXml } from '../instance-xml.js';
import { selectInstances } from '../instance-selection.js';
import { pageXml } from '../pagination.js';
import { booleanParam, type Params } from '../query-params.js';
import { itemSet, node, text } from '../xml.js';

/** Status checks pass on a running instance; they do not apply to one in any other state. */
function checkStatus(instance: InstanceRecord): 'ok' | 'not-applicable' {
  return instance.state === 'running' ? 'ok' : 'not-applicable';
}

const STATUS_FILTERS: FilterFields<InstanceRecord> = {
  'instance-state-name': (i) => [i.state],
  'instance-state-code': (i) => [String(STATE_CODES[i.state])],
  'availability-zone': (i) => [i.availabilityZone],
  'instance-status.status': (i) => [checkStatus(i)],
  'system-status.status': (i) => [checkStatus(i)],
};

interface StatusRequest {
  instanceIds: string[];
  includeAll: boolean;
  matches: (instance: InstanceRecord) => boolean;
  params: Params;
}

export const describeInstanceStatus = defineAction<StatusRequest>({
  parse(params) {
    const instanceIds = instanceIdsParam(params);
    const matches = compileFilters(filtersParam(params), STATUS_FILTERS);
    return { instanceIds, includeAll: booleanParam(params, 'IncludeAllInstances'), matches, params };
  },
  run({ instanceIds, includeAll, matches, params }, context) {
    const keep = (instance: InstanceRecord) =>
      (includeAll || instance.state === 'running') && matches(instance);
    const page = selectInstances(context, instanceIds, keep, params);
    return pageXml('instanceStatusSet', page, statusXml);
  },
});

function statusXml(instance: InstanceRecord): string {
  const status = checkStatus(instance);
  const details =
    status === 'ok' ? itemSet('details', [text('name', 'reachability') + text('status', 'passed')]) : '';
  return [
    text('instanceId', instance.instanceId),
    text('availabilityZone', instance.availabilityZone),
    stateXml('instanceState', instance.state),
    node('systemStatus', text('status', status), details),
    node('instanceStatus', text('status', status), details),
  ].join('');
}
