// MaxResults / NextToken paging. A token holds the position of the last item returned, so items
// added or changed between pages do not shift the pages already handed out.
import { Ec2Error, invalidParameterValue } from './ec2-error.js';
import { integerParam, type Params } from './query-params.js';
import { itemSet, text } from './xml.js';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * One page of `items` as the request's MaxResults and NextToken ask. `positionOf` gives each item a
 * number that only grows along `items` (its place in a list that is never reordered); `bounds` is the
 * MaxResults range the action accepts.
 */
export function takePage<T>(
  items: readonly T[],
  params: Params,
  positionOf: (item: T) => number,
  bounds: { min: number; max: number },
): Page<T> {
  const maxResults = integerParam(params, 'MaxResults');
  if (maxResults !== undefined && (maxResults < bounds.min || maxResults > bounds.max)) {
    throw invalidParameterValue(
      `Value (${maxResults}) for parameter maxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`,
    );
  }
  const token = params['NextToken'];
  const after = token ? decodeToken(token) : -1;
  const rest = items.filter((item) => positionOf(item) > after);
  if (maxResults === undefined || rest.length <= maxResults) return { items: rest };
  const slice = rest.slice(0, maxResults);
  return { items: slice, nextToken: encodeToken(positionOf(slice[slice.length - 1]!)) };
}

function encodeToken(position: number): string {
  return Buffer.from(JSON.stringify({ after: position })).toString('base64url');
}

function decodeToken(token: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined; // not JSON: as invalid as JSON of the wrong shape, reported below
  }
  const after = (decoded as { after?: unknown } | undefined)?.after;
  if (typeof after === 'number' && Number.isInteger(after)) return after;
  throw new Ec2Error('InvalidPaginationToken', `The pagination token '${token}' is invalid.`);
}

/** A page as EC2 lists it: the items in `<setName>`, then `<nextToken>` when there is more. */
export function pageXml<T>(setName: string, page: Page<T>, itemXml: (item: T) => string): string {
  return itemSet(setName, page.items.map(itemXml)) + text('nextToken', page.nextToken);
}
