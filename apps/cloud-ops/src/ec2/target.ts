import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CloudOpsConfigValues } from '../config.js';

/** Where EC2 calls go, decided once at start-up. */
export type Ec2Mode =
  | { kind: 'aws' }
  | { kind: 'endpoint'; endpoint: string }
  | { kind: 'sandbox'; reason: 'flag' | 'no-credentials' };

// What the SDK's default credential chain reads besides the instance metadata service.
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/**
 * An explicit endpoint wins; then the sandbox flag; then AWS when credentials are configured in
 * the environment or ~/.aws. An instance role (metadata service only) is not detectable without a
 * network call, so there the operator sets CLOUD_OPS_SANDBOX=false.
 */
export function ec2Mode(
  config: Pick<CloudOpsConfigValues, 'EC2_ENDPOINT' | 'CLOUD_OPS_SANDBOX'>,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): Ec2Mode {
  if (config.EC2_ENDPOINT) return { kind: 'endpoint', endpoint: config.EC2_ENDPOINT };
  if (config.CLOUD_OPS_SANDBOX === true) return { kind: 'sandbox', reason: 'flag' };
  if (config.CLOUD_OPS_SANDBOX === false) return { kind: 'aws' };
  const configured =
    CREDENTIAL_VARIABLES.some((name) => Boolean(env[name])) ||
    existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials')) ||
    existsSync(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'));
  return configured ? { kind: 'aws' } : { kind: 'sandbox', reason: 'no-credentials' };
}

/** Credentials an emulator accepts, used when the environment has none of its own. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
