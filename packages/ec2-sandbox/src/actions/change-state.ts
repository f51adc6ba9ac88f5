// StartInstances, StopInstances and TerminateInstances: the same request, a different move.
import { defineAction, type Ec2Action } from '../action.js';
import type { StateAction } from '../fleet.js';
import { checkInstanceIds } from '../ids.js';
import { stateChangesXml } from '../instance-xml.js';
import { listParam, requiredParam } from '../query-params.js';

function changeStateAction(action: StateAction): Ec2Action {
  return defineAction({
    parse(params) {
      const instanceIds = listParam(params, 'InstanceId');
      if (instanceIds.length === 0) requiredParam(params, 'InstanceId');
      checkInstanceIds(instanceIds);
      return instanceIds;
    },
    run(instanceIds, { fleet, now }) {
      return stateChangesXml(fleet.changeState(instanceIds, action, now));
    },
  });
}

export const startInstances = changeStateAction('start');
export const stopInstances = changeStateAction('stop');
export const terminateInstances = changeStateAction('terminate');
