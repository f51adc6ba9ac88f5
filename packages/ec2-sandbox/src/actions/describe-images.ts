import { defineAction } from '../action.js';
import { Ec2Error } from '../ec2-error.js';
import { compileFilters, filtersParam, type FilterFields } from '../filters.js';
import { IMAGES, type ImageInfo } from '../images.js';
import { pageXml, takePage } from '../pagination.js';
import { listParam, type Params } from '../query-params.js';
import { node, text } from '../xml.js';

const IMAGE_FILTERS: FilterFields<ImageInfo> = {
  'image-id': (i) => [i.imageId],
  name: (i) => [i.name],
  description: (i) => [i.description],
  architecture: (i) => [i.architecture],
  'owner-alias': (i) => [i.ownerAlias],
  'owner-id': (i) => [i.ownerId],
  'platform-details': (i) => [i.platformDetails],
  state: () => ['available'],
  'image-type': () => ['machine'],
  'root-device-type': () => ['ebs'],
  'virtualization-type': () => ['hvm'],
};

interface ImagesRequest {
  images: ImageInfo[];
  params: Params;
}

export const describeImages = defineAction<ImagesRequest>({
  parse(params) {
    const imageIds = listParam(params, 'ImageId');
    const missing = imageIds.filter((id) => !IMAGES.some((image) => image.imageId === id));
    if (missing.length > 0) {
      throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
    }
    const owners = listParam(params, 'Owner');
    const matches = compileFilters(filtersParam(params), IMAGE_FILTERS);
    const images = IMAGES.filter(
      (image) =>
        (imageIds.length === 0 || imageIds.includes(image.imageId)) &&
        (owners.length === 0 ||
          owners.some((owner) => owner === image.ownerAlias || owner === image.ownerId)) &&
        matches(image),
    );
    return { images, params };
  },
  run({ images, params }) {
    const page = takePage(images, params, (image) => IMAGES.indexOf(image), { min: 5, max: 1000 });
    return pageXml('imagesSet', page, imageXml);
  },
});

function imageXml(image: ImageInfo): string {
  return [
    text('imageId', image.imageId),
    text('imageLocation', `${image.ownerAlias}/${image.name}`),
    text('imageState', 'available'),
    text('imageOwnerId', image.ownerId),
    text('imageOwnerAlias', image.ownerAlias),
    text('creationDate', image.creationDate),
    text('isPublic', true),
    text('architecture', image.architecture),
    text('imageType', 'machine'),
    text('platformDetails', image.platformDetails),
    text('name', image.name),
    text('description', image.description),
    text('rootDeviceType', 'ebs'),
    text('rootDeviceName', '/dev/xvda'),
    text('virtualizationType', 'hvm'),
    text('hypervisor', 'xen'),
    node('blockDeviceMapping'),
  ].join('');
}
