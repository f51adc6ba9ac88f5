// EC2 list filters: `Filter.N.Name` with `Filter.N.Value.M`. Values OR within a filter, filters AND
// together, and values may use the `*` and `?` wildcards.
import { invalidParameterValue } from './ec2-error.js';
import { listParam, structListParam, type Params } from './query-params.js';

export interface Filter {
  name: string;
  values: string[];
}

/** How to read each filterable field of an item, by filter name. */
export type FilterFields<T> = Record<string, (item: T) => readonly (string | undefined)[]>;

export function filtersParam(params: Params): Filter[] {
  return structListParam(params, 'Filter').map((filter) => ({
    name: filter['Name'] ?? '',
    values: listParam(filter, 'Value'),
  }));
}

/**
 * Builds one predicate for every filter, rejecting unknown filter names up front. `tagsOf` enables
 * `tag:<key>`, `tag-key` and `tag-value`.
 */
export function compileFilters<T>(
  filters: readonly Filter[],
  fields: FilterFields<T>,
  tagsOf?: (item: T) => readonly { key: string; value: string }[],
): (item: T) => boolean {
  const checks = filters.map((filter) => {
    const read = fieldReader(filter.name, fields, tagsOf);
    if (!read) throw invalidParameterValue(`The filter '${filter.name}' is invalid`);
    const patterns = filter.values.map(wildcard);
    return (item: T) =>
      read(item).some((value) => value !== undefined && patterns.some((pattern) => pattern.test(value)));
  });
  return (item) => checks.every((check) => check(item));
}

function fieldReader<T>(
  name: string,
  fields: FilterFields<T>,
  tagsOf?: (item: T) => readonly { key: string; value: string }[],
): ((item: T) => readonly (string | undefined)[]) | undefined {
  if (Object.hasOwn(fields, name)) return fields[name];
  if (!tagsOf) return undefined;
  if (name === 'tag-key') return (item) => tagsOf(item).map((tag) => tag.key);
  if (name === 'tag-value') return (item) => tagsOf(item).map((tag) => tag.value);
  if (name.startsWith('tag:')) {
    const key = name.slice('tag:'.length);
    return (item) =>
      tagsOf(item)
        .filter((tag) => tag.key === key)
        .map((tag) => tag.value);
  }
  return undefined;
}

/** `*` matches any run of characters and `?` any one; a backslash makes either literal. */
function wildcard(value: string): RegExp {
  let source = '';
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (char === '\\' && index + 1 < value.length) source += escapeRegExp(value[++index]!);
    else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
