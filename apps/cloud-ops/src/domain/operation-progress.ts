/** How far an operation has come, judged from its instances' current EC2 states. */
export interface OperationProgress {
  /** Instances already in the target state. */
  done: number;
  total: number;
  /** Set when an instance can no longer reach the target (e.g. terminated while starting). */
  failure: string | undefined;
}

type Target = 'running' | 'stopped' | 'terminated';

// States from which an instance can still reach each target without anyone acting on it again.
const ON_THE_WAY: Record<Target, readonly string[]> = {
  running: ['pending', 'running'],
  stopped: ['running', 'stopping', 'stopped', 'pending'],
  terminated: ['running', 'stopping', 'stopped', 'pending', 'shutting-down', 'terminated'],
};

/**
 * Compares instance states with the target. Instances EC2 no longer reports count as terminated,
 * which is done for a termination and a failure for anything else.
 */
export function operationProgress(
  target: Target,
  instanceIds: readonly string[],
  states: ReadonlyMap<string, string>,
): OperationProgress {
  let done = 0;
  const lost: string[] = [];
  for (const id of instanceIds) {
    const state = states.get(id) ?? 'terminated';
    if (state === target) done += 1;
    else if (!ON_THE_WAY[target].includes(state)) lost.push(`${id} is ${state}`);
  }
  return {
    done,
    total: instanceIds.length,
    failure: lost.length > 0 ? `${lost.join(', ')}; it cannot become ${target}.` : undefined,
  };
}

/** The environment's status as its instances show it once an operation has settled. */
export function settledStatus(states: readonly string[]): 'running' | 'stopped' | 'terminated' {
  if (states.every((s) => s === 'terminated' || s === 'shutting-down')) return 'terminated';
  if (states.some((s) => s === 'running' || s === 'pending')) return 'running';
  return 'stopped';
}
