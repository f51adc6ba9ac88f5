import { randomBytes } from 'node:crypto';
import { Ec2Error } from './ec2-error.js';
import { listParam, requiredParam, type Params } from './query-params.js';

/** A new id in EC2's long format: the prefix and 17 hex digits. */
export function newResourceId(prefix: 'i' | 'r'): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Rejects ids that cannot be instance ids, the way EC2 does before looking anything up. */
export function checkInstanceIds(ids: readonly string[]): void {
  const bad = ids.find((id) => !INSTANCE_ID.test(id));
  if (bad !== undefined) {
    throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${bad}" (expecting "i-...")`);
  }
}

/** The well-formed instance ids of `InstanceId.N`; with `required`, at least one must be given. */
export function instanceIdsParam(params: Params, { required = false } = {}): string[] {
  const ids = listParam(params, 'InstanceId');
  if (required && ids.length === 0) requiredParam(params, 'InstanceId');
  checkInstanceIds(ids);
  return ids;
}
