// The instance types the sandbox knows: enough families and sizes for policies and cost checks to be
// exercised, with the vCPU and memory figures AWS publishes for them.

export interface InstanceTypeInfo {
  instanceType: string;
  vcpus: number;
  memoryMiB: number;
  architecture: 'x86_64' | 'arm64';
  currentGeneration: boolean;
}

/** EC2's default when RunInstances names no type. */
export const DEFAULT_INSTANCE_TYPE = 'm1.small';

type Sizes = Record<string, [vcpus: number, memoryGiB: number]>;

const BURSTABLE: Sizes = {
  nano: [2, 0.5],
  micro: [2, 1],
  small: [2, 2],
  medium: [2, 4],
  large: [2, 8],
  xlarge: [4, 16],
  '2xlarge': [8, 32],
};
const T2: Sizes = { ...BURSTABLE, nano: [1, 0.5], micro: [1, 1], small: [1, 2] };
const GENERAL: Sizes = { large: [2, 8], xlarge: [4, 16], '2xlarge': [8, 32], '4xlarge': [16, 64] };
const COMPUTE: Sizes = { large: [2, 4], xlarge: [4, 8], '2xlarge': [8, 16], '4xlarge': [16, 32] };
const MEMORY: Sizes = { large: [2, 16], xlarge: [4, 32], '2xlarge': [8, 64], '4xlarge': [16, 128] };

const FAMILIES: [family: string, sizes: Sizes, architecture: InstanceTypeInfo['architecture']][] = [
  ['t2', T2, 'x86_64'],
  ['t3', BURSTABLE, 'x86_64'],
  ['t3a', BURSTABLE, 'x86_64'],
  ['t4g', BURSTABLE, 'arm64'],
  ['m5', GENERAL, 'x86_64'],
  ['m6i', GENERAL, 'x86_64'],
  ['m7g', GENERAL, 'arm64'],
  ['c5', COMPUTE, 'x86_64'],
  ['c6i', COMPUTE, 'x86_64'],
  ['c7g', COMPUTE, 'arm64'],
  ['r5', MEMORY, 'x86_64'],
  ['r6i', MEMORY, 'x86_64'],
];

export const INSTANCE_TYPES: ReadonlyMap<string, InstanceTypeInfo> = new Map(
  [
    {
      instanceType: 'm1.small',
      vcpus: 1,
      memoryMiB: 1740,
      architecture: 'x86_64' as const,
      currentGeneration: false,
    },
    ...FAMILIES.flatMap(([family, sizes, architecture]) =>
      Object.entries(sizes).map(([size, [vcpus, memoryGiB]]) => ({
        instanceType: `${family}.${size}`,
        vcpus,
        memoryMiB: memoryGiB * 1024,
        architecture,
        currentGeneration: family !== 't2',
      })),
    ),
  ].map((info) => [info.instanceType, info]),
);
