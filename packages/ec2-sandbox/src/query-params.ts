// The EC2 Query API flattens every request into form fields: lists as `Name.1`, `Name.2`, structures
// as `Name.1.Field`. These read them back.
import { invalidParameterValue, missingParameter } from './ec2-error.js';

export type Params = Readonly<Record<string, string>>;

/** Every field of a form-encoded body (or query string). */
export function parseQueryParams(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

/** The members of a list `Name.1 … Name.N`, in index order. */
export function listParam(params: Params, name: string): string[] {
  return indexedEntries(params, name)
    .filter(([, rest]) => rest === '')
    .map(([, , value]) => value);
}

/** The members of a list of structures `Name.N.Field`, each as its own params, in index order. */
export function structListParam(params: Params, name: string): Params[] {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [index, rest, value] of indexedEntries(params, name)) {
    if (!rest.startsWith('.')) continue;
    const fields = byIndex.get(index) ?? {};
    fields[rest.slice(1)] = value;
    byIndex.set(index, fields);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
}

/** `Name.N.Key` / `Name.N.Value` pairs, the shape of tags everywhere in the API. */
export function tagListParam(params: Params, name: string): { key: string; value: string }[] {
  return structListParam(params, name).map((tag) => ({ key: tag['Key'] ?? '', value: tag['Value'] ?? '' }));
}

export function booleanParam(params: Params, name: string): boolean {
  const value = params[name];
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParameterValue(`Invalid value '${value}' for ${name}. Expected true or false.`);
}

export function integerParam(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value))
    throw invalidParameterValue(`Invalid value '${value}' for ${name}. Expected an integer.`);
  return Number(value);
}

export function requiredParam(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
}

/** [index, text after the index, value] for every field named `Name.<index>…`. */
function indexedEntries(params: Params, name: string): [number, string, string][] {
  const prefix = `${name}.`;
  const entries: [number, string, string][] = [];
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(prefix)) continue;
    const match = /^(\d+)(.*)$/.exec(key.slice(prefix.length));
    if (match) entries.push([Number(match[1]), match[2]!, value]);
  }
  return entries.sort(([a], [b]) => a - b);
}
