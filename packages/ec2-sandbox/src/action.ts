import type { Fleet } from './fleet.js';
import type { Params } from './query-params.js';

export interface ActionContext {
  fleet: Fleet;
  region: string;
  /** How many instances may be pending, running, stopping or shutting down at once. */
  instanceLimit: number;
  now: number;
}

/** An EC2 action, ready to serve: `prepare` checks a request and returns the work, without doing it yet. */
export interface Ec2Action {
  prepare(params: Params, context: ActionContext): () => string;
}

/**
 * Declares an action. `parse` checks the request without touching state, so DryRun can run it
 * alone; `run` does the work and returns the response body's XML.
 */
export function defineAction<Request>(spec: {
  parse(params: Params, context: ActionContext): Request;
  run(request: Request, context: ActionContext): string;
}): Ec2Action {
  return {
    prepare(params, context) {
      const request = spec.parse(params, context);
      return () => spec.run(request, context);
    },
  };
}
