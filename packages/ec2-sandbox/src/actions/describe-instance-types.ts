import { defineAction } from '../action.js';
import { Ec2Error } from '../ec2-error.js';
import { compileFilters, filtersParam, type FilterFields } from '../filters.js';
import { INSTANCE_TYPES, type InstanceTypeInfo } from '../instance-types.js';
import { pageXml, takePage } from '../pagination.js';
import { listParam, type Params } from '../query-params.js';
import { itemSet, node, text } from '../xml.js';

const TYPE_FILTERS: FilterFields<InstanceTypeInfo> = {
  'instance-type': (t) => [t.instanceType],
  'current-generation': (t) => [String(t.currentGeneration)],
  'processor-info.supported-architecture': (t) => [t.architecture],
  'vcpu-info.default-vcpus': (t) => [String(t.vcpus)],
  'memory-info.size-in-mib': (t) => [String(t.memoryMiB)],
};

const CATALOGUE = [...INSTANCE_TYPES.values()];

interface TypesRequest {
  types: InstanceTypeInfo[];
  params: Params;
}

export const describeInstanceTypes = defineAction<TypesRequest>({
  parse(params) {
    const names = listParam(params, 'InstanceType');
    const unknown = names.filter((name) => !INSTANCE_TYPES.has(name));
    if (unknown.length > 0) {
      throw new Ec2Error(
        'InvalidInstanceType',
        `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
      );
    }
    const matches = compileFilters(filtersParam(params), TYPE_FILTERS);
    const types = CATALOGUE.filter(
      (type) => (names.length === 0 || names.includes(type.instanceType)) && matches(type),
    );
    return { types, params };
  },
  run({ types, params }) {
    const page = takePage(types, params, (type) => CATALOGUE.indexOf(type), { min: 5, max: 100 });
    return pageXml('instanceTypeSet', page, instanceTypeXml);
  },
});

function instanceTypeXml(type: InstanceTypeInfo): string {
  return [
    text('instanceType', type.instanceType),
    text('currentGeneration', type.currentGeneration),
    node('vCpuInfo', text('defaultVCpus', type.vcpus)),
    node('memoryInfo', text('sizeInMiB', type.memoryMiB)),
    node('processorInfo', itemSet('supportedArchitectures', [type.architecture])),
    itemSet('supportedUsageClasses', ['on-demand']),
    itemSet('supportedRootDeviceTypes', ['ebs']),
    itemSet('supportedVirtualizationTypes', ['hvm']),
    text('hypervisor', 'nitro'),
  ].join('');
}
