// The sandbox's HTTP face: one endpoint speaking the EC2 Query API, as the real SDK calls it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionContext } from './action.js';
import { ACTIONS } from './actions.js';
import { Ec2Error, errorDocument } from './ec2-error.js';
import { FaultBook, type SandboxFault } from './faults.js';
import { emptyFleetState, Fleet } from './fleet.js';
import { DEFAULT_DELAYS, type StateDelays } from './instance-state.js';
import { parseQueryParams } from './query-params.js';
import { loadFleetState, saveFleetState } from './state-file.js';
import { responseDocument } from './xml.js';

export interface Ec2SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 'us-east-1'. */
  region?: string;
  /** Persist instances and client tokens as JSON here: loaded at start, written on every change. */
  stateFile?: string;
  /** State machine timing; default 300 ms each; 0 allowed. */
  delays?: { pendingMs?: number; stoppingMs?: number; shuttingDownMs?: number };
  /** Instances that may be active (not stopped or terminated) at once; default 100. */
  instanceLimit?: number;
}

/** One request the sandbox received, as tests see it. */
export interface SandboxRequest {
  action: string;
  /** Every form field as sent, `Action` and `Version` included. */
  params: Record<string, string>;
  /** When it arrived (ISO 8601). */
  at: string;
  status: number;
  errorCode?: string;
  dryRun: boolean;
}

export interface Ec2Sandbox {
  /** 'http://127.0.0.1:PORT' — give it to `new EC2Client({ endpoint })`. */
  endpoint: string;
  /** Every request received, in the order they were answered (`at` says when each arrived). */
  readonly requests: readonly SandboxRequest[];
  injectFault(fault: SandboxFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const DEFAULT_INSTANCE_LIMIT = 100;

/** Starts an EC2 Query API sandbox on an HTTP port and resolves once it is listening. */
export async function startEc2Sandbox(options: Ec2SandboxOptions = {}): Promise<Ec2Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const delays: StateDelays = {
    pendingMs: options.delays?.pendingMs ?? DEFAULT_DELAYS.pendingMs,
    stoppingMs: options.delays?.stoppingMs ?? DEFAULT_DELAYS.stoppingMs,
    shuttingDownMs: options.delays?.shuttingDownMs ?? DEFAULT_DELAYS.shuttingDownMs,
  };
  if (Object.values(delays).some((ms) => !(ms >= 0))) throw new RangeError('sandbox delays must be ≥ 0 ms');
  const stateFile = options.stateFile;
  const fleet = new Fleet(stateFile ? loadFleetState(stateFile) : emptyFleetState(), delays, (state) => {
    if (stateFile) saveFleetState(stateFile, state);
  });
  const faults = new FaultBook();
  const requests: SandboxRequest[] = [];
  const instanceLimit = options.instanceLimit ?? DEFAULT_INSTANCE_LIMIT;
  let closed = false;
  const pending = new Set<() => void>();

  /** Waits `ms`, resolving false instead if the sandbox closes meanwhile. */
  function wait(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(!closed);
    return new Promise((resolve) => {
      const done = (open: boolean) => {
        clearTimeout(timer);
        pending.delete(abandon);
        resolve(open);
      };
      const abandon = () => done(false);
      const timer = setTimeout(() => done(!closed), ms);
      pending.add(abandon);
    });
  }

  /** The status and XML that answer a request; undefined when the sandbox closed while it waited. */
  async function answer(
    params: Record<string, string>,
    requestId: string,
  ): Promise<{ status: number; body: string; error?: Ec2Error } | undefined> {
    const action = params['Action'] ?? '';
    const fault = faults.roll(action, region);
    if (!(await wait(fault.latencyMs))) return undefined;
    try {
      if (fault.error) throw fault.error;
      const handler = ACTIONS.get(action);
      if (!handler) {
        throw new Ec2Error('InvalidAction', `The action '${action}' is not valid for this web service.`);
      }
      const context: ActionContext = { fleet, region, instanceLimit, now: Date.now() };
      const work = handler.prepare(params, context);
      if (params['DryRun'] === 'true') {
        throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      }
      return { status: 200, body: responseDocument(action, requestId, work()) };
    } catch (thrown) {
      const error = thrown instanceof Ec2Error ? thrown : unexpected(thrown);
      return { status: error.status, body: errorDocument(error, requestId), error };
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = new Date().toISOString();
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const params = { ...Object.fromEntries(url.searchParams), ...parseQueryParams(body) };
    const requestId = randomUUID();
    const result = await answer(params, requestId);
    if (!result) return;
    requests.push({
      action: params['Action'] ?? '',
      params,
      at,
      status: result.status,
      ...(result.error && { errorCode: result.error.code }),
      dryRun: params['DryRun'] === 'true',
    });
    response.writeHead(result.status, {
      'content-type': 'text/xml;charset=UTF-8',
      'x-amzn-requestid': requestId,
    });
    response.end(result.body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('ec2-sandbox: request failed', error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    async close() {
      closed = true;
      for (const abandon of [...pending]) abandon();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}

/** A bug in the sandbox still answers as EC2 would, and leaves its stack on stderr. */
function unexpected(thrown: unknown): Ec2Error {
  console.error('ec2-sandbox: unexpected error', thrown);
  return new Ec2Error('InternalError', 'An internal error has occurred.', 500);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
