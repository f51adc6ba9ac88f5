import { invalidParameterValue } from './ec2-error.js';
import type { Tag } from './fleet.js';

const MAX_TAGS = 50;

/** EC2's tag rules: a key of 1–128 characters outside the `aws:` prefix, a value of at most 256, 50 per resource. */
export function checkTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw invalidParameterValue(`A resource can have at most ${MAX_TAGS} tags.`);
  for (const { key, value } of tags) {
    if (key.length === 0 || key.length > 128) {
      throw invalidParameterValue(`Tag key '${key}' must be between 1 and 128 characters long.`);
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameterValue(`Tag keys starting with 'aws:' are reserved for internal use: '${key}'.`);
    }
    if (value.length > 256) {
      throw invalidParameterValue(`The value of tag '${key}' must be at most 256 characters long.`);
    }
  }
}
