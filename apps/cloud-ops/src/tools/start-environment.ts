import { environmentPowerTool } from './environment-power-tool.js';

export const startEnvironment = environmentPowerTool({
  name: 'start_environment',
  title: 'Start environment',
  description:
    'Starts the stopped instances of an environment provisioned here (billing resumes). Refuses protected ' +
    'environments. Returns an operation for get_operation_status.',
  action: 'start',
  destructiveHint: false,
  scope: 'cloud:write',
  confirm: false,
});
