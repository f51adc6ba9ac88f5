import { environmentPowerTool } from './environment-power-tool.js';

export const terminateEnvironment = environmentPowerTool({
  name: 'terminate_environment',
  title: 'Terminate environment',
  description:
    'Permanently terminates every instance of an environment this server provisioned; their disks are deleted and ' +
    'this cannot be undone. Refuses protected environments (by policy or the bounded:protected tag). Checks the IAM ' +
    'permission with an EC2 DryRun, then asks the person to approve. Returns an operation handle; follow it with ' +
    'get_operation_status. Reuse the idempotency_key to retry.',
  action: 'terminate',
  destructiveHint: true,
  scope: 'cloud:destroy',
  confirm: true,
});
