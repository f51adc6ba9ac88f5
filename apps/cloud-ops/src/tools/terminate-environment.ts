import { environmentPowerTool } from './environment-power-tool.js';

export const terminateEnvironment = environmentPowerTool({
  name: 'terminate_environment',
  title: 'Terminate environment',
  description:
    'Permanently terminates the instances of an environment provisioned here; disks are deleted, no undo. Refuses ' +
    'protected environments (policy or bounded:protected tag). Checks IAM with an EC2 DryRun, then asks the person to ' +
    'approve. Returns an operation for get_operation_status.',
  action: 'terminate',
  destructiveHint: true,
  scope: 'cloud:destroy',
  confirm: true,
});
