// The public entry point of @bounded/ec2-sandbox.
export { startEc2Sandbox, type Ec2Sandbox, type Ec2SandboxOptions, type SandboxRequest } from './sandbox.js';
export type { SandboxFault } from './faults.js';
export { decodeAuthorizationMessage, type AuthorizationFailure } from './authorization-message.js';
