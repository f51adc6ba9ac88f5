import { environmentPowerTool } from './environment-power-tool.js';

export const startEnvironment = environmentPowerTool({
  name: 'start_environment',
  title: 'Start environment',
  description:
    'Starts every stopped instance of an environment this server provisioned (billing resumes). Refuses protected ' +
    'environments. Returns an operation handle at once; follow it with get_operation_status. Reuse the idempotency_key to retry.',
  action: 'start',
  destructiveHint: false,
  scope: 'cloud:write',
  confirm: false,
});
