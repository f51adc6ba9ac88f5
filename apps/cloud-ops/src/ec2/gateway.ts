import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { ec2Error } from './errors.js';
import { instancesOf, instanceView, type InstanceView } from './instance-view.js';

/** Where EC2 calls go: AWS itself (no endpoint, the SDK's own credential chain), or an emulator. */
export interface Ec2Target {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface Ec2GatewayOptions {
  /** Attempts per call for throttling and 5xx; the SDK's standard strategy backs off with jitter between them. */
  maxAttempts: number;
  /** Resolved on the first call, so an embedded sandbox starts only when EC2 is first needed. */
  target: () => Promise<Ec2Target>;
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  count: number;
  subnetId?: string | undefined;
  tags: Record<string, string>;
  clientToken: string;
}

export interface DescribeQuery {
  ids?: string[];
  filters?: Filter[];
  maxResults?: number;
  nextToken?: string;
}

type PowerAction = 'StopInstances' | 'StartInstances' | 'TerminateInstances';

/** Every EC2 call the server makes, each with an abort signal and errors the model can act on. */
export interface Ec2Gateway {
  describeInstances(
    region: string,
    query: DescribeQuery,
    signal: AbortSignal,
  ): Promise<{ instances: InstanceView[]; nextToken: string | undefined }>;
  /** Every instance matching, page by page, at most `limit`; `complete` says whether that was all. */
  describeAll(
    region: string,
    query: Omit<DescribeQuery, 'maxResults' | 'nextToken'>,
    limit: number,
    signal: AbortSignal,
  ): Promise<{ instances: InstanceView[]; complete: boolean }>;
  runInstances(
    region: string,
    request: LaunchRequest,
    signal: AbortSignal,
  ): Promise<{ reservationId: string; instances: InstanceView[] }>;
  /** EC2's DryRun check: resolves when the identity may call the action, throws permission_denied otherwise. */
  checkPermission(region: string, request: DryRunRequest, signal: AbortSignal): Promise<void>;
  changeState(region: string, action: PowerAction, ids: string[], signal: AbortSignal): Promise<void>;
}

export type DryRunRequest =
  | { action: 'RunInstances'; launch: Omit<LaunchRequest, 'clientToken'> }
  | { action: PowerAction; ids: string[] };

type Sdk = typeof import('@aws-sdk/client-ec2');

/** Builds the gateway; the AWS SDK is imported on the first call, never at start-up. */
export function createEc2Gateway(options: Ec2GatewayOptions): Ec2Gateway {
  let sdk: Promise<Sdk> | undefined;
  const clients = new Map<string, Promise<EC2Client>>();
  // Bundled, the SDK's CommonJS build arrives as the default export of the dynamic import.
  const loadSdk = () =>
    (sdk ??= import('@aws-sdk/client-ec2').then((m) =>
      'EC2Client' in m ? m : (m as { default: Sdk }).default,
    ));
  const clientFor = (region: string): Promise<EC2Client> => {
    let client = clients.get(region);
    if (client === undefined) {
      client = Promise.all([loadSdk(), options.target()]).then(
        ([{ EC2Client }, target]) =>
          new EC2Client({
            region,
            maxAttempts: options.maxAttempts,
            retryMode: 'standard',
            ...(target.endpoint ? { endpoint: target.endpoint } : {}),
            ...(target.credentials ? { credentials: target.credentials } : {}),
          }),
      );
      // A failed start (the sandbox did not come up) is not cached: the next call tries again.
      client.catch(() => clients.delete(region));
      clients.set(region, client);
    }
    return client;
  };

  /** Runs one EC2 call; its errors come back mapped and naming the action. */
  async function call<T>(
    region: string,
    action: string,
    run: (client: EC2Client, sdk: Sdk, options: { abortSignal: AbortSignal }) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    signal.throwIfAborted();
    const [client, loaded] = await Promise.all([clientFor(region), loadSdk()]);
    try {
      return await run(client, loaded, { abortSignal: signal });
    } catch (error) {
      throw ec2Error(error, action);
    }
  }

  const power = (
    client: EC2Client,
    s: Sdk,
    action: PowerAction,
    input: { InstanceIds: string[]; DryRun?: boolean },
    options: { abortSignal: AbortSignal },
  ) => {
    switch (action) {
      case 'StopInstances':
        return client.send(new s.StopInstancesCommand(input), options);
      case 'StartInstances':
        return client.send(new s.StartInstancesCommand(input), options);
      case 'TerminateInstances':
        return client.send(new s.TerminateInstancesCommand(input), options);
    }
  };

  const describeInstances: Ec2Gateway['describeInstances'] = async (region, query, signal) => {
    const output = await call(
      region,
      'DescribeInstances',
      (client, s, options) =>
        client.send(
          new s.DescribeInstancesCommand({
            ...(query.ids ? { InstanceIds: query.ids } : {}),
            ...(query.filters?.length ? { Filters: query.filters } : {}),
            ...(query.maxResults ? { MaxResults: query.maxResults } : {}),
            ...(query.nextToken ? { NextToken: query.nextToken } : {}),
          }),
          options,
        ),
      signal,
    );
    return { instances: instancesOf(output.Reservations), nextToken: output.NextToken || undefined };
  };

  return {
    describeInstances,

    async describeAll(region, query, limit, signal) {
      const instances: InstanceView[] = [];
      let nextToken: string | undefined;
      do {
        // EC2 refuses MaxResults together with InstanceIds; ids name their own bound.
        const page = await describeInstances(
          region,
          { ...query, ...(query.ids ? {} : { maxResults: 1000 }), ...(nextToken ? { nextToken } : {}) },
          signal,
        );
        instances.push(...page.instances);
        nextToken = page.nextToken;
      } while (nextToken && instances.length < limit);
      return { instances: instances.slice(0, limit), complete: !nextToken && instances.length <= limit };
    },

    async runInstances(region, request, signal) {
      const output = await call(
        region,
        'RunInstances',
        (client, s, options) =>
          client.send(new s.RunInstancesCommand(runInput(request, request.clientToken)), options),
        signal,
      );
      return {
        reservationId: output.ReservationId ?? '',
        instances: (output.Instances ?? []).map(instanceView),
      };
    },

    async checkPermission(region, request, signal) {
      try {
        await call(
          region,
          request.action,
          (client, s, options) =>
            request.action === 'RunInstances'
              ? client.send(
                  new s.RunInstancesCommand({ ...runInput(request.launch, undefined), DryRun: true }),
                  options,
                )
              : power(client, s, request.action, { InstanceIds: request.ids, DryRun: true }, options),
          signal,
        );
      } catch (error) {
        // EC2 answers a permitted DryRun with this "error"; anything else is a real refusal.
        if ((error as { name?: string }).name === 'DryRunOperation') return;
        throw error;
      }
      throw new Error(`EC2 ran ${request.action} although DryRun was set; refusing to trust this endpoint`);
    },

    async changeState(region, action, ids, signal) {
      await call(
        region,
        action,
        (client, s, options) => power(client, s, action, { InstanceIds: ids }, options),
        signal,
      );
    },
  };
}

function runInput(request: Omit<LaunchRequest, 'clientToken'>, clientToken: string | undefined) {
  return {
    ImageId: request.imageId,
    InstanceType: request.instanceType as never,
    MinCount: request.count,
    MaxCount: request.count,
    ...(request.subnetId ? { SubnetId: request.subnetId } : {}),
    ...(clientToken ? { ClientToken: clientToken } : {}),
    ...(Object.keys(request.tags).length > 0
      ? {
          TagSpecifications: [
            {
              ResourceType: 'instance' as const,
              Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }
      : {}),
  };
}
