// The sandbox's account: its instances and reservations, and the rules EC2 applies to them. Request
// parsing lives in the actions; what is allowed in which state lives here.
import { Ec2Error } from './ec2-error.js';
import { newResourceId } from './ids.js';
import { settle, type InstanceStateName, type StateDelays } from './instance-state.js';

export interface Tag {
  key: string;
  value: string;
}

export interface InstanceRecord {
  instanceId: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  launchTime: string;
  amiLaunchIndex: number;
  availabilityZone: string;
  privateIpAddress: string;
  keyName?: string;
  subnetId?: string;
  securityGroupIds: string[];
  clientToken?: string;
  tags: Tag[];
  state: InstanceStateName;
  /** When the instance entered `state`, in milliseconds since the epoch. */
  stateSince: number;
  stateTransitionReason: string;
  stateReason?: { code: string; message: string };
}

export interface ReservationRecord {
  reservationId: string;
  instanceIds: string[];
  clientToken?: string;
  /** Digest of the RunInstances parameters, to tell a retry from a different request with the same token. */
  requestDigest?: string;
}

/** Everything the sandbox keeps; this is what a state file holds. */
export interface FleetState {
  version: 1;
  instances: InstanceRecord[];
  reservations: ReservationRecord[];
  /** Instances launched so far, numbering private addresses. */
  launched: number;
}

export function emptyFleetState(): FleetState {
  return { version: 1, instances: [], reservations: [], launched: 0 };
}

export interface LaunchRequest {
  imageId: string;
  instanceType: string;
  count: number;
  availabilityZone: string;
  keyName?: string;
  subnetId?: string;
  securityGroupIds: string[];
  tags: Tag[];
  clientToken?: string;
  requestDigest: string;
}

/** A reservation and its instances, as a RunInstances response reports them. */
export interface Launch {
  reservation: ReservationRecord;
  instances: InstanceRecord[];
}

export interface StateChange {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

export type StateAction = 'start' | 'stop' | 'terminate';

export const OWNER_ID = '123456789012';

export class Fleet {
  private readonly byId = new Map<string, InstanceRecord>();
  private readonly byToken = new Map<string, ReservationRecord>();

  constructor(
    private readonly state: FleetState,
    private readonly delays: StateDelays,
    /** Called after every change, so the state can be persisted before the answer goes out. */
    private readonly onChange: (state: FleetState) => void,
  ) {
    for (const instance of state.instances) this.byId.set(instance.instanceId, instance);
    for (const reservation of state.reservations) {
      if (reservation.clientToken !== undefined) this.byToken.set(reservation.clientToken, reservation);
    }
  }

  /** Every instance in launch order, each settled to where its state stands now. */
  instances(now = Date.now()): InstanceRecord[] {
    for (const instance of this.state.instances) this.settleInstance(instance, now);
    return this.state.instances;
  }

  /** The instances named, settled; `InvalidInstanceID.NotFound` naming every id that does not exist. */
  find(ids: readonly string[], now = Date.now()): InstanceRecord[] {
    const missing = ids.filter((id) => !this.byId.has(id));
    if (missing.length === 1) {
      throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
    }
    if (missing.length > 1) {
      throw new Ec2Error(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
    }
    return ids.map((id) => this.settleInstance(this.byId.get(id)!, now));
  }

  /** The launch an earlier request with this client token made, as it stands now, if the parameters match. */
  replay(clientToken: string, requestDigest: string, now = Date.now()): Launch | undefined {
    const earlier = this.byToken.get(clientToken);
    if (!earlier) return undefined;
    if (earlier.requestDigest !== requestDigest) {
      throw new Ec2Error(
        'IdempotentParameterMismatch',
        `The client token '${clientToken}' was already used for a request with different parameters.`,
      );
    }
    const instances = this.find(earlier.instanceIds, now);
    if (instances.some((instance) => instance.state === 'terminated')) {
      throw new Ec2Error(
        'IdempotentInstanceTerminated',
        `The client token '${clientToken}' belongs to a launch whose instances have been terminated.`,
      );
    }
    return { reservation: earlier, instances };
  }

  /** Instances that count against the account's limit: every one not stopped or terminated. */
  activeCount(now = Date.now()): number {
    return this.instances(now).filter((i) => i.state !== 'terminated' && i.state !== 'stopped').length;
  }

  /** Launches `request.count` instances in one new reservation; they start out pending. */
  launch(request: LaunchRequest, now = Date.now()): Launch {
    const instances: InstanceRecord[] = [];
    const reservation: ReservationRecord = {
      reservationId: newResourceId('r'),
      instanceIds: [],
      ...(request.clientToken !== undefined && {
        clientToken: request.clientToken,
        requestDigest: request.requestDigest,
      }),
    };
    for (let index = 0; index < request.count; index++) {
      const number = ++this.state.launched;
      const instance: InstanceRecord = {
        instanceId: newResourceId('i'),
        reservationId: reservation.reservationId,
        imageId: request.imageId,
        instanceType: request.instanceType,
        launchTime: new Date(now).toISOString(),
        amiLaunchIndex: index,
        availabilityZone: request.availabilityZone,
        privateIpAddress: `10.0.${Math.floor(number / 250) % 256}.${(number % 250) + 4}`,
        ...(request.keyName !== undefined && { keyName: request.keyName }),
        ...(request.subnetId !== undefined && { subnetId: request.subnetId }),
        securityGroupIds: request.securityGroupIds,
        ...(request.clientToken !== undefined && { clientToken: request.clientToken }),
        tags: request.tags.map((tag) => ({ ...tag })),
        state: 'pending',
        stateSince: now,
        stateTransitionReason: '',
      };
      reservation.instanceIds.push(instance.instanceId);
      instances.push(instance);
      this.state.instances.push(instance);
      this.byId.set(instance.instanceId, instance);
    }
    this.state.reservations.push(reservation);
    if (reservation.clientToken !== undefined) this.byToken.set(reservation.clientToken, reservation);
    this.onChange(this.state);
    return { reservation, instances: instances.map((instance) => ({ ...instance })) };
  }

  /**
   * Starts, stops or terminates every instance named, or none: one instance in a state the action
   * cannot leave fails the whole request with `IncorrectInstanceState`.
   */
  changeState(ids: readonly string[], action: StateAction, now = Date.now()): StateChange[] {
    const instances = this.find(ids, now);
    const targets = instances.map((instance) => ({ instance, next: nextState(instance, action) }));
    const changes = targets.map(({ instance, next }) => ({
      instanceId: instance.instanceId,
      previous: instance.state,
      current: next ?? instance.state,
    }));
    const moving = targets.filter(({ instance, next }) => next !== undefined && next !== instance.state);
    for (const { instance, next } of moving) {
      instance.state = next!;
      instance.stateSince = now;
      if (action === 'start') {
        instance.stateTransitionReason = '';
        delete instance.stateReason;
      } else {
        instance.stateTransitionReason = `User initiated (${gmtStamp(now)})`;
        instance.stateReason = { ...USER_INITIATED };
      }
    }
    if (moving.length > 0) this.onChange(this.state);
    return changes;
  }

  /** Sets tags on instances, replacing the value of a key an instance already has. */
  tag(ids: readonly string[], tags: readonly Tag[]): void {
    for (const instance of this.find(ids)) {
      for (const tag of tags) {
        const existing = instance.tags.find((t) => t.key === tag.key);
        if (existing) existing.value = tag.value;
        else instance.tags.push({ ...tag });
      }
    }
    this.onChange(this.state);
  }

  /** Removes tags by key (a tag given with a value goes only if its value matches); no tags named removes all. */
  untag(ids: readonly string[], tags: readonly { key: string; value?: string }[]): void {
    for (const instance of this.find(ids)) {
      instance.tags = instance.tags.filter(
        (t) =>
          tags.length > 0 &&
          !tags.some((gone) => gone.key === t.key && (gone.value === undefined || gone.value === t.value)),
      );
    }
    this.onChange(this.state);
  }

  private settleInstance(instance: InstanceRecord, now: number): InstanceRecord {
    const settled = settle({ state: instance.state, since: instance.stateSince }, now, this.delays);
    instance.state = settled.state;
    instance.stateSince = settled.since;
    return instance;
  }
}

/** The state `action` moves an instance to; undefined when it stays put; throws when EC2 refuses. */
function nextState(instance: InstanceRecord, action: StateAction): InstanceStateName | undefined {
  const { state, instanceId } = instance;
  switch (action) {
    case 'start':
      if (state === 'stopped') return 'pending';
      if (state === 'pending' || state === 'running') return undefined;
      throw incorrectState(instanceId, state, 'started');
    case 'stop':
      if (state === 'running') return 'stopping';
      if (state === 'stopping' || state === 'stopped') return undefined;
      throw incorrectState(instanceId, state, 'stopped');
    case 'terminate':
      if (state === 'terminated' || state === 'shutting-down') return undefined;
      return 'shutting-down';
  }
}

function incorrectState(instanceId: string, state: InstanceStateName, verb: string): Ec2Error {
  return new Ec2Error(
    'IncorrectInstanceState',
    `The instance '${instanceId}' is not in a state from which it can be ${verb}. It is '${state}'.`,
  );
}

const USER_INITIATED = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

/** EC2 stamps transition reasons like `User initiated (2024-01-02 03:04:05 GMT)`. */
function gmtStamp(now: number): string {
  return `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}
