import { defineAction } from '../action.js';
import { Ec2Error } from '../ec2-error.js';
import { compileFilters, filtersParam, type FilterFields } from '../filters.js';
import type { InstanceRecord } from '../fleet.js';
import { instanceIdsParam } from '../ids.js';
import { selectInstances } from '../instance-selection.js';
import { reservationXml } from '../instance-xml.js';
import type { Params } from '../query-params.js';
import { itemSet, text } from '../xml.js';

const INSTANCE_FILTERS: FilterFields<InstanceRecord> = {
  'instance-id': (i) => [i.instanceId],
  'instance-state-name': (i) => [i.state],
  'instance-type': (i) => [i.instanceType],
  'image-id': (i) => [i.imageId],
  'reservation-id': (i) => [i.reservationId],
  'availability-zone': (i) => [i.availabilityZone],
  'client-token': (i) => [i.clientToken],
  'key-name': (i) => [i.keyName],
  'subnet-id': (i) => [i.subnetId],
  'private-ip-address': (i) => [i.privateIpAddress],
};

interface DescribeRequest {
  instanceIds: string[];
  matches: (instance: InstanceRecord) => boolean;
  params: Params;
}

export const describeInstances = defineAction<DescribeRequest>({
  parse(params) {
    const instanceIds = instanceIdsParam(params);
    if (instanceIds.length > 0 && params['MaxResults'] !== undefined) {
      throw new Ec2Error(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    const matches = compileFilters(filtersParam(params), INSTANCE_FILTERS, (i) => i.tags);
    return { instanceIds, matches, params };
  },

  run({ instanceIds, matches, params }, context) {
    const page = selectInstances(context, instanceIds, matches, params);
    return itemSet('reservationSet', groupByReservation(page.items)) + text('nextToken', page.nextToken);
  },
});

/** Instances of one reservation share one entry, as EC2 lists them. */
function groupByReservation(instances: readonly InstanceRecord[]): string[] {
  const groups = new Map<string, InstanceRecord[]>();
  for (const instance of instances) {
    const group = groups.get(instance.reservationId) ?? [];
    group.push(instance);
    groups.set(instance.reservationId, group);
  }
  return [...groups.entries()].map(([reservationId, members]) => reservationXml(reservationId, members));
}
