import type { Instance, Reservation } from '@aws-sdk/client-ec2';

/** One EC2 instance as the tools see it: plain values, tags as a record. */
export interface InstanceView {
  id: string;
  type: string;
  state: string;
  imageId: string | undefined;
  subnetId: string | undefined;
  availabilityZone: string | undefined;
  privateIp: string | undefined;
  launchedAt: string | undefined;
  /** When the instance last changed state, where EC2 says (its StateTransitionReason carries the time). */
  stateChangedAt: string | undefined;
  tags: Record<string, string>;
}

/** Flattens reservations into instance views, in EC2's order. */
export function instancesOf(reservations: readonly Reservation[] | undefined): InstanceView[] {
  return (reservations ?? []).flatMap((r) => (r.Instances ?? []).map(instanceView));
}

export function instanceView(instance: Instance): InstanceView {
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return {
    id: instance.InstanceId ?? '',
    type: instance.InstanceType ?? 'unknown',
    state: instance.State?.Name ?? 'unknown',
    imageId: instance.ImageId,
    subnetId: instance.SubnetId,
    availabilityZone: instance.Placement?.AvailabilityZone,
    privateIp: instance.PrivateIpAddress,
    launchedAt: instance.LaunchTime?.toISOString(),
    stateChangedAt: transitionTime(instance.StateTransitionReason),
    tags,
  };
}

// EC2 writes e.g. "User initiated (2024-05-01 10:00:00 GMT)".
function transitionTime(reason: string | undefined): string | undefined {
  const match = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? '');
  return match ? `${match[1]}T${match[2]}Z` : undefined;
}
