// The machine images DescribeImages knows. RunInstances accepts any well-formed AMI id, so tests
// can use ids of their own; one of these also has its architecture checked against the instance type.

export interface ImageInfo {
  imageId: string;
  name: string;
  description: string;
  architecture: 'x86_64' | 'arm64';
  ownerAlias: 'amazon';
  ownerId: string;
  platformDetails: string;
  creationDate: string;
}

const AMAZON_OWNER_ID = '137112412989';
const CANONICAL_OWNER_ID = '099720109477';

export const IMAGES: readonly ImageInfo[] = [
  image(
    'ami-0a1b2c3d4e5f60001',
    'al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64',
    'Amazon Linux 2023 AMI',
    'x86_64',
    AMAZON_OWNER_ID,
  ),
  image(
    'ami-0a1b2c3d4e5f60002',
    'al2023-ami-2023.6.20250101.0-kernel-6.1-arm64',
    'Amazon Linux 2023 AMI',
    'arm64',
    AMAZON_OWNER_ID,
  ),
  image(
    'ami-0a1b2c3d4e5f60003',
    'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101',
    'Canonical, Ubuntu, 24.04, amd64 noble image',
    'x86_64',
    CANONICAL_OWNER_ID,
  ),
  image(
    'ami-0a1b2c3d4e5f60004',
    'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250101',
    'Canonical, Ubuntu, 24.04, arm64 noble image',
    'arm64',
    CANONICAL_OWNER_ID,
  ),
];

function image(
  imageId: string,
  name: string,
  description: string,
  architecture: ImageInfo['architecture'],
  ownerId: string,
): ImageInfo {
  return {
    imageId,
    name,
    description,
    architecture,
    ownerAlias: 'amazon',
    ownerId,
    platformDetails: 'Linux/UNIX',
    creationDate: '2025-01-01T00:00:00.000Z',
  };
}
