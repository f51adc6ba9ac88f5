// Every EC2 action the sandbox answers, by the name the Query API sends in `Action`.
import type { Ec2Action } from './action.js';
import { startInstances, stopInstances, terminateInstances } from './actions/change-state.js';
import { describeImages } from './actions/describe-images.js';
import { describeInstanceStatus } from './actions/describe-instance-status.js';
import { describeInstanceTypes } from './actions/describe-instance-types.js';
import { describeInstances } from './actions/describe-instances.js';
import { runInstances } from './actions/run-instances.js';
import { createTags, deleteTags } from './actions/tagging.js';

export const ACTIONS: ReadonlyMap<string, Ec2Action> = new Map([
  ['RunInstances', runInstances],
  ['DescribeInstances', describeInstances],
  ['StartInstances', startInstances],
  ['StopInstances', stopInstances],
  ['TerminateInstances', terminateInstances],
  ['DescribeInstanceStatus', describeInstanceStatus],
  ['DescribeInstanceTypes', describeInstanceTypes],
  ['DescribeImages', describeImages],
  ['CreateTags', createTags],
  ['DeleteTags', deleteTags],
]);
