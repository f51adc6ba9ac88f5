// EC2's instance life cycle. Transitions that take time (pending → running, stopping → stopped,
// shutting-down → terminated) are settled from timestamps whenever the fleet is read, so they need
// no timers and come out the same after a restart from a state file.

export type InstanceStateName =
  'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** The numeric codes EC2 reports beside each state name. */
export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface StateDelays {
  pendingMs: number;
  stoppingMs: number;
  shuttingDownMs: number;
}

export const DEFAULT_DELAYS: StateDelays = { pendingMs: 300, stoppingMs: 300, shuttingDownMs: 300 };

/** The state a transitional state settles into, and the delay that takes. */
const SETTLES: Partial<Record<InstanceStateName, { next: InstanceStateName; delay: keyof StateDelays }>> = {
  pending: { next: 'running', delay: 'pendingMs' },
  stopping: { next: 'stopped', delay: 'stoppingMs' },
  'shutting-down': { next: 'terminated', delay: 'shuttingDownMs' },
};

export interface TimedState {
  state: InstanceStateName;
  /** When the instance entered `state`, in milliseconds since the epoch. */
  since: number;
}

/** Where a state entered at `since` stands at `now`. */
export function settle(current: TimedState, now: number, delays: StateDelays): TimedState {
  const rule = SETTLES[current.state];
  if (!rule) return current;
  const due = current.since + delays[rule.delay];
  return now >= due ? { state: rule.next, since: due } : current;
}
