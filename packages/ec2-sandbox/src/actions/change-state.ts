// StartInstances, StopInstances and TerminateInstances: the same request, a different move.
import { defineAction, type Ec2Action } from '../action.js';
import type { StateAction } from '../fleet.js';
import { instanceIdsParam } from '../ids.js';
import { stateChangesXml } from '../instance-xml.js';

function changeStateAction(action: StateAction): Ec2Action {
  return defineAction({
    parse: (params) => instanceIdsParam(params, { required: true }),
    run(instanceIds, { fleet, now }) {
      return stateChangesXml(fleet.changeState(instanceIds, action, now));
    },
  });
}

export const startInstances = changeStateAction('start');
export const stopInstances = changeStateAction('stop');
export const terminateInstances = changeStateAction('terminate');
