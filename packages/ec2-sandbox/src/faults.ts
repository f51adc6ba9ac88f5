// Faults a test injects: errors EC2 really returns, and latency, per action or for all, with a
// probability and a budget of firings.
import { unauthorizedMessage } from './authorization-message.js';
import { Ec2Error } from './ec2-error.js';

const FAULT_ERRORS = [
  'RequestLimitExceeded',
  'InternalError',
  'ServiceUnavailable',
  'InsufficientInstanceCapacity',
  'UnauthorizedOperation',
] as const;

export interface SandboxFault {
  /** EC2 action name, e.g. 'RunInstances'; omitted = every action. */
  action?: string;
  error?: (typeof FAULT_ERRORS)[number];
  /** 0..1, default 1. */
  probability?: number;
  /** Fire at most this many times; default unlimited. */
  times?: number;
  /** Delay before answering, with or without an error. */
  latencyMs?: number;
}

/** What the faults that fired on one request add up to. */
export interface FaultOutcome {
  latencyMs: number;
  error?: Ec2Error;
}

export class FaultBook {
  private faults: { fault: SandboxFault; fired: number }[] = [];

  add(fault: SandboxFault): void {
    if (fault.error !== undefined && !FAULT_ERRORS.includes(fault.error)) {
      throw new RangeError(`fault error must be one of ${FAULT_ERRORS.join(', ')}`);
    }
    const probability = fault.probability ?? 1;
    if (!(probability >= 0 && probability <= 1))
      throw new RangeError('fault probability must be within 0..1');
    if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 0)) {
      throw new RangeError('fault times must be a whole number');
    }
    if (fault.latencyMs !== undefined && !(fault.latencyMs >= 0))
      throw new RangeError('fault latencyMs must be ≥ 0');
    this.faults.push({ fault: { ...fault }, fired: 0 });
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * Rolls every fault that applies to `action`. Latencies of all that fire add up; the first error
   * to fire, in the order faults were injected, is the answer.
   */
  roll(action: string, region: string): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0 };
    for (const entry of this.faults) {
      const { fault } = entry;
      if (fault.action !== undefined && fault.action !== action) continue;
      if (fault.times !== undefined && entry.fired >= fault.times) continue;
      if (Math.random() >= (fault.probability ?? 1)) continue;
      if (fault.error !== undefined && outcome.error !== undefined) continue;
      entry.fired++;
      outcome.latencyMs += fault.latencyMs ?? 0;
      if (fault.error !== undefined) outcome.error = faultError(fault.error, action, region);
    }
    return outcome;
  }
}

function faultError(error: NonNullable<SandboxFault['error']>, action: string, region: string): Ec2Error {
  switch (error) {
    case 'RequestLimitExceeded':
      return new Ec2Error(error, 'Request limit exceeded.', 503);
    case 'InternalError':
      return new Ec2Error(error, 'An internal error has occurred.', 500);
    case 'ServiceUnavailable':
      return new Ec2Error(error, 'The service is unavailable. Please try again shortly.', 503);
    case 'InsufficientInstanceCapacity':
      return new Ec2Error(
        error,
        `We currently do not have sufficient capacity in the Availability Zone you requested (${region}a). ` +
          'You can get capacity by not specifying an Availability Zone or by choosing another instance type.',
        500,
      );
    case 'UnauthorizedOperation':
      return new Ec2Error(error, unauthorizedMessage(action, region), 403);
  }
}
