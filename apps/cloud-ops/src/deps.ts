import type { CoreConfigValues, Logger } from '@bounded/core';
import { loadPolicy, type CloudOpsConfigValues, type CloudOpsDeps } from './config.js';
import { embeddedSandbox } from './ec2/embedded-sandbox.js';
import { createEc2Gateway, type Ec2Target } from './ec2/gateway.js';
import { ec2Mode, EMULATOR_CREDENTIALS } from './ec2/target.js';

/** The server's dependencies from its configuration; says on stderr, in one line, when EC2 is not AWS. */
export function createDeps(context: {
  config: CoreConfigValues & CloudOpsConfigValues;
  log: Logger;
  dataDir: string;
}): CloudOpsDeps {
  const { config, log, dataDir } = context;
  let policy;
  try {
    policy = loadPolicy(config.CLOUD_OPS_POLICY_FILE);
  } catch (error) {
    process.stderr.write(`cloud-ops-mcp: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const mode = ec2Mode(config);
  let target: () => Promise<Ec2Target>;
  if (mode.kind === 'sandbox') {
    const sandbox = embeddedSandbox(dataDir, config.AWS_REGION, log);
    target = sandbox.target;
    const why = mode.reason === 'flag' ? '--sandbox' : 'no AWS credentials found';
    process.stderr.write(
      `cloud-ops-mcp: ${why}: EC2 calls go to the embedded EC2 sandbox (instances kept in ${sandbox.stateFile}); nothing reaches AWS.\n`,
    );
  } else if (mode.kind === 'endpoint') {
    const credentials = process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: EMULATOR_CREDENTIALS };
    target = async () => ({ endpoint: mode.endpoint, ...credentials });
    process.stderr.write(`cloud-ops-mcp: EC2 calls go to ${mode.endpoint} (EC2_ENDPOINT).\n`);
  } else {
    target = async () => ({});
  }
  return {
    config,
    policy,
    ec2: createEc2Gateway({ maxAttempts: config.CLOUD_OPS_EC2_MAX_ATTEMPTS, target }),
  };
}
