import { environmentPowerTool } from './environment-power-tool.js';

export const stopEnvironment = environmentPowerTool({
  name: 'stop_environment',
  title: 'Stop environment',
  description:
    'Stops every running instance of an environment this server provisioned (compute billing stops; EBS volumes and ' +
    'the instances stay, so start_environment brings them back, with new public IPs). Refuses protected environments. ' +
    'Returns an operation handle at once; follow it with get_operation_status. Reuse the idempotency_key to retry.',
  action: 'stop',
  destructiveHint: true,
  scope: 'cloud:write',
  confirm: false,
});
