import { createHash } from 'node:crypto';
import { defineAction } from '../action.js';
import { Ec2Error, invalidParameterValue } from '../ec2-error.js';
import type { LaunchRequest, Tag } from '../fleet.js';
import { IMAGES } from '../images.js';
import { reservationXml } from '../instance-xml.js';
import { DEFAULT_INSTANCE_TYPE, INSTANCE_TYPES } from '../instance-types.js';
import {
  integerParam,
  listParam,
  requiredParam,
  structListParam,
  tagListParam,
  type Params,
} from '../query-params.js';
import { checkTags } from '../tags.js';

const IMAGE_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Parameters that do not describe the launch itself, so a retry may differ in them. */
const NOT_PART_OF_THE_LAUNCH = new Set(['Action', 'Version', 'ClientToken', 'DryRun']);
/** Resource types a launch can tag; only instance tags are kept, as the sandbox has no volumes or interfaces. */
const TAGGABLE = new Set(['instance', 'volume', 'network-interface', 'spot-instances-request']);

interface RunRequest {
  launch: LaunchRequest;
  minCount: number;
  maxCount: number;
}

export const runInstances = defineAction<RunRequest>({
  parse(params, { region }) {
    const imageId = requiredParam(params, 'ImageId');
    if (!IMAGE_ID.test(imageId)) {
      throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
    }
    const instanceType = params['InstanceType'] ?? DEFAULT_INSTANCE_TYPE;
    if (!INSTANCE_TYPES.has(instanceType)) {
      throw invalidParameterValue(`Invalid value '${instanceType}' for InstanceType.`);
    }
    const image = IMAGES.find((known) => known.imageId === imageId);
    const architecture = INSTANCE_TYPES.get(instanceType)!.architecture;
    if (image && image.architecture !== architecture) {
      throw invalidParameterValue(
        `The architecture '${architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI.`,
      );
    }
    const minCount = count(params, 'MinCount');
    const maxCount = count(params, 'MaxCount');
    if (minCount > maxCount) {
      throw invalidParameterValue(`MinCount (${minCount}) must not be greater than MaxCount (${maxCount}).`);
    }
    const availabilityZone = params['Placement.AvailabilityZone'] ?? `${region}a`;
    if (!new RegExp(`^${region}[a-z]$`).test(availabilityZone)) {
      throw invalidParameterValue(`Invalid availability zone: [${availabilityZone}]`);
    }
    const clientToken = params['ClientToken'];
    if (clientToken !== undefined && (clientToken.length > 64 || !/^[\x20-\x7e]+$/.test(clientToken))) {
      throw invalidParameterValue('ClientToken must be 1 to 64 printable ASCII characters.');
    }
    const tags = instanceTags(params);
    const launch: LaunchRequest = {
      imageId,
      instanceType,
      count: maxCount,
      availabilityZone,
      ...(params['KeyName'] !== undefined && { keyName: params['KeyName'] }),
      ...(params['SubnetId'] !== undefined && { subnetId: params['SubnetId'] }),
      securityGroupIds: listParam(params, 'SecurityGroupId'),
      tags,
      ...(clientToken !== undefined && { clientToken }),
      requestDigest: launchDigest(params),
    };
    return { launch, minCount, maxCount };
  },

  run({ launch, minCount, maxCount }, { fleet, instanceLimit, now }) {
    const earlier =
      launch.clientToken === undefined
        ? undefined
        : fleet.replay(launch.clientToken, launch.requestDigest, now);
    const { reservation, instances } =
      earlier ??
      fleet.launch(
        { ...launch, count: launchable(minCount, maxCount, instanceLimit - fleet.activeCount(now)) },
        now,
      );
    return reservationXml(reservation.reservationId, instances);
  },
});

/** As many instances as MaxCount asks and the limit allows, but no launch at all below MinCount. */
function launchable(minCount: number, maxCount: number, available: number): number {
  if (available < minCount) {
    throw new Ec2Error(
      'InstanceLimitExceeded',
      `You have requested more instances (${minCount}) than your current instance limit allows (${Math.max(available, 0)} more).`,
    );
  }
  return Math.min(maxCount, available);
}

function count(params: Params, name: string): number {
  const value = integerParam(params, name);
  if (value === undefined) requiredParam(params, name);
  if (value! < 1) throw invalidParameterValue(`Invalid value '${value}' for ${name}. It must be at least 1.`);
  return value!;
}

function instanceTags(params: Params): Tag[] {
  const tags: Tag[] = [];
  for (const spec of structListParam(params, 'TagSpecification')) {
    const resourceType = spec['ResourceType'] ?? '';
    if (!TAGGABLE.has(resourceType)) {
      throw invalidParameterValue(
        `'${resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    if (resourceType === 'instance') tags.push(...tagListParam(spec, 'Tag'));
  }
  checkTags(tags);
  return tags;
}

/** A digest of every parameter that describes the launch, in a fixed order. */
function launchDigest(params: Params): string {
  const entries = Object.entries(params)
    .filter(([key]) => !NOT_PART_OF_THE_LAUNCH.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}
