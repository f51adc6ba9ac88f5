import { z } from 'zod';

/** Tags this server puts on every instance it launches; only instances carrying MANAGED_BY can be changed. */
export const TAG = {
  managedBy: 'bounded:managed-by',
  environment: 'bounded:environment',
  operation: 'bounded:operation',
  expiresAt: 'bounded:expires-at',
  /** Set to "true" on an instance (by anyone, at any time) to forbid stopping or terminating it here. */
  protected: 'bounded:protected',
} as const;

export const MANAGED_BY_VALUE = 'cloud-ops';

// EC2's own limits: 50 user tags per resource, keys ≤ 128 and values ≤ 256 characters, and the
// aws: prefix is reserved. Our own tags take 4 of the 50.
export const MAX_USER_TAGS = 40;

/** Why a tag key cannot be used on a new instance, or undefined when it can. */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 128)
    return `tag key "${key.slice(0, 40)}" must be 1 to 128 characters`;
  if (key.toLowerCase().startsWith('aws:')) return `tag key "${key}": the aws: prefix is reserved by AWS`;
  if (key.startsWith('bounded:'))
    return `tag key "${key}": the bounded: prefix is reserved for tags this server sets`;
  return undefined;
}

export const TagValue = z.string().max(256);

/** User tags on a new environment: at most MAX_USER_TAGS pairs, each within EC2's limits. */
export const UserTags = z.record(z.string(), TagValue).superRefine((tags, ctx) => {
  const keys = Object.keys(tags);
  if (keys.length > MAX_USER_TAGS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_USER_TAGS} tags, got ${keys.length}` });
    return;
  }
  for (const key of keys) {
    const problem = tagKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [key] });
  }
});

/** An environment name: lower-case letters, digits and dashes, as used in tags and URIs. */
export const EnvironmentName = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and dashes, starting and ending with a letter or digit',
  );

/** The tags of an instance an environment launches: ours first, then the caller's. */
export function launchTags(
  environment: string,
  operationId: string,
  userTags: Record<string, string>,
  expiresAt: Date | undefined,
): Record<string, string> {
  return {
    ...userTags,
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.environment]: environment,
    [TAG.operation]: operationId,
    ...(expiresAt ? { [TAG.expiresAt]: expiresAt.toISOString() } : {}),
  };
}

/** True for an instance this server launched: only those can be stopped, started or terminated here. */
export function isManaged(tags: Readonly<Record<string, string>>): boolean {
  return tags[TAG.managedBy] === MANAGED_BY_VALUE;
}

/** True for an instance someone marked as protected with the protection tag. */
export function hasProtectionTag(tags: Readonly<Record<string, string>>): boolean {
  return (tags[TAG.protected] ?? '').toLowerCase() === 'true';
}
