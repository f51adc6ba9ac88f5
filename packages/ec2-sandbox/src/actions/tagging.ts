// CreateTags and DeleteTags on instances, the only taggable resources the sandbox has.
import { defineAction } from '../action.js';
import { Ec2Error } from '../ec2-error.js';
import type { Tag } from '../fleet.js';
import { checkInstanceIds } from '../ids.js';
import { listParam, requiredParam, structListParam, tagListParam, type Params } from '../query-params.js';
import { checkTags } from '../tags.js';
import { text } from '../xml.js';

function resourceIds(params: Params): string[] {
  const ids = listParam(params, 'ResourceId');
  if (ids.length === 0) requiredParam(params, 'ResourceId');
  const other = ids.find((id) => !id.startsWith('i-'));
  if (other !== undefined) {
    throw new Ec2Error('InvalidID', `The ID '${other}' is not valid: the sandbox tags instances only.`);
  }
  checkInstanceIds(ids);
  return ids;
}

export const createTags = defineAction<{ ids: string[]; tags: Tag[] }>({
  parse(params) {
    const ids = resourceIds(params);
    const tags = tagListParam(params, 'Tag');
    if (tags.length === 0) requiredParam(params, 'Tag');
    checkTags(tags);
    return { ids, tags };
  },
  run({ ids, tags }, { fleet }) {
    fleet.tag(ids, tags);
    return text('return', true);
  },
});

export const deleteTags = defineAction<{ ids: string[]; tags: { key: string; value?: string }[] }>({
  parse(params) {
    const ids = resourceIds(params);
    const tags = structListParam(params, 'Tag').map((tag) => ({
      key: tag['Key'] ?? '',
      ...(tag['Value'] !== undefined && { value: tag['Value'] }),
    }));
    return { ids, tags };
  },
  run({ ids, tags }, { fleet }) {
    fleet.untag(ids, tags);
    return text('return', true);
  },
});
