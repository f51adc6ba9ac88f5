// The XML EC2 uses for an instance, a reservation and a state change, as the SDK's deserializer reads them.
import { OWNER_ID, type InstanceRecord, type StateChange } from './fleet.js';
import { STATE_CODES, type InstanceStateName } from './instance-state.js';
import { INSTANCE_TYPES } from './instance-types.js';
import { itemSet, node, text } from './xml.js';

export function stateXml(name: string, state: InstanceStateName): string {
  return node(name, text('code', STATE_CODES[state]), text('name', state));
}

export function tagSetXml(tags: readonly { key: string; value: string }[]): string {
  return itemSet(
    'tagSet',
    tags.map((tag) => text('key', tag.key) + text('value', tag.value)),
  );
}

export function instanceXml(instance: InstanceRecord): string {
  const addressed = instance.state !== 'terminated';
  const publicIp = instance.state === 'running' ? publicAddress(instance.privateIpAddress) : undefined;
  return [
    text('instanceId', instance.instanceId),
    text('imageId', instance.imageId),
    stateXml('instanceState', instance.state),
    text('privateDnsName', addressed ? privateDnsName(instance.privateIpAddress) : ''),
    text('dnsName', publicIp ? `ec2-${publicIp.replaceAll('.', '-')}.compute-1.amazonaws.com` : ''),
    text('reason', instance.stateTransitionReason),
    text('keyName', instance.keyName),
    text('amiLaunchIndex', instance.amiLaunchIndex),
    node('productCodes'),
    text('instanceType', instance.instanceType),
    text('launchTime', instance.launchTime),
    node('placement', text('availabilityZone', instance.availabilityZone), text('tenancy', 'default')),
    node('monitoring', text('state', 'disabled')),
    text('subnetId', instance.subnetId),
    text('privateIpAddress', addressed ? instance.privateIpAddress : undefined),
    text('ipAddress', publicIp),
    itemSet(
      'groupSet',
      instance.securityGroupIds.map((id) => text('groupId', id)),
    ),
    instance.stateReason
      ? node(
          'stateReason',
          text('code', instance.stateReason.code),
          text('message', instance.stateReason.message),
        )
      : '',
    text('architecture', INSTANCE_TYPES.get(instance.instanceType)?.architecture ?? 'x86_64'),
    text('rootDeviceType', 'ebs'),
    text('rootDeviceName', '/dev/xvda'),
    text('virtualizationType', 'hvm'),
    text('clientToken', instance.clientToken ?? ''),
    tagSetXml(instance.tags),
    text('hypervisor', 'xen'),
  ].join('');
}

/** A reservation's header and the given instances of it (all of them, or one page's share). */
export function reservationXml(reservationId: string, instances: readonly InstanceRecord[]): string {
  return [
    text('reservationId', reservationId),
    text('ownerId', OWNER_ID),
    node('groupSet'),
    itemSet('instancesSet', instances.map(instanceXml)),
  ].join('');
}

export function stateChangesXml(changes: readonly StateChange[]): string {
  return itemSet(
    'instancesSet',
    changes.map(
      (change) =>
        text('instanceId', change.instanceId) +
        stateXml('currentState', change.current) +
        stateXml('previousState', change.previous),
    ),
  );
}

function privateDnsName(privateIp: string): string {
  return `ip-${privateIp.replaceAll('.', '-')}.ec2.internal`;
}

/** A made-up public address, the same for an instance every time it runs. */
function publicAddress(privateIp: string): string {
  const [, , third, fourth] = privateIp.split('.');
  return `198.51.${third}.${fourth}`;
}
