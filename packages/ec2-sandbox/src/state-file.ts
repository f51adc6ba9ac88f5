// The fleet's state as a JSON file: read once at start, rewritten whole after every change. The
// write goes to a temporary file renamed over the old one, so a crash mid-write leaves the last
// complete state, never half of one.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { emptyFleetState, type FleetState } from './fleet.js';

export function loadFleetState(file: string): FleetState {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyFleetState();
    throw error;
  }
  let state: unknown;
  try {
    state = JSON.parse(raw);
  } catch (error) {
    throw new Error(`EC2 sandbox state file ${file} is not valid JSON; move it away to start empty.`, {
      cause: error,
    });
  }
  if (!isFleetState(state)) {
    throw new Error(
      `EC2 sandbox state file ${file} does not hold a version 1 sandbox state; move it away to start empty.`,
    );
  }
  return state;
}

export function saveFleetState(file: string, state: FleetState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}

function isFleetState(value: unknown): value is FleetState {
  const state = value as Partial<FleetState> | null;
  return (
    typeof state === 'object' &&
    state !== null &&
    state.version === 1 &&
    Array.isArray(state.instances) &&
    Array.isArray(state.reservations) &&
    typeof state.launched === 'number'
  );
}
