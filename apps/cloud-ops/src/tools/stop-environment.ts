import { environmentPowerTool } from './environment-power-tool.js';

export const stopEnvironment = environmentPowerTool({
  name: 'stop_environment',
  title: 'Stop environment',
  description:
    'Stops the running instances of an environment provisioned here (compute billing stops; disks stay, so ' +
    'start_environment brings it back). Refuses protected environments. Returns an operation for get_operation_status.',
  action: 'stop',
  destructiveHint: true,
  scope: 'cloud:write',
  confirm: false,
});
