import type { AppDefinition } from '@bounded/core';
import type { CloudOpsDeps } from './config.js';
import { costCleanupReview } from './prompts/cost-cleanup-review.js';
import { environmentResource } from './resources/environment.js';
import { operationResource } from './resources/operation.js';
import { getFleetReport } from './tools/get-fleet-report.js';
import { getOperationStatus } from './tools/get-operation-status.js';
import { listInstances } from './tools/list-instances.js';
import { provisionEnvironment } from './tools/provision-environment.js';
import { startEnvironment } from './tools/start-environment.js';
import { stopEnvironment } from './tools/stop-environment.js';
import { terminateEnvironment } from './tools/terminate-environment.js';

export const CLOUD_OPS_VERSION = '0.1.0';

export const cloudOpsApp: AppDefinition<CloudOpsDeps> = {
  name: 'cloud-ops',
  version: CLOUD_OPS_VERSION,
  instructions:
    "Runs a team's EC2 fleet safely. list_instances and get_fleet_report show what exists and what it costs. " +
    'provision_environment launches an environment (try dry_run: true first); stop_environment, start_environment and ' +
    'terminate_environment change one; each returns an operation you follow with get_operation_status (it can wait up ' +
    'to 25 s). A server-side policy limits types, regions, counts and cost, and protects some environments; only ' +
    'instances this server launched can be changed. Every state-changing tool takes an idempotency_key: one per ' +
    'intended operation, reused verbatim to retry, so nothing is launched twice. Costs are on-demand list prices in US ' +
    'dollars. Resources: cloud-ops://environments/{name}, cloud-ops://operations/{operation_id}.',
  tools: [
    listInstances,
    getFleetReport,
    getOperationStatus,
    provisionEnvironment,
    stopEnvironment,
    startEnvironment,
    terminateEnvironment,
  ],
  resources: [environmentResource, operationResource],
  prompts: [costCleanupReview],
};
