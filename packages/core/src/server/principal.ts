import type { AuthInfo } from '@modelcontextprotocol/server';
import type { AppDefinition } from './app.js';
import type { Principal } from './define.js';

/** The scope that stands for every scope; only the operator holds it unless tokens are allowed to. */
export const ALL_SCOPES = '*';

/**
 * Who is calling: the token's subject with the token's scopes, or the operator (stdio, or HTTP
 * without auth) with every right. A token's `*` grants nothing unless the operator allows it:
 * an issuer that mints `*` for convenience must not hand out refunds by accident.
 */
export function principalOf(
  authInfo: AuthInfo | undefined,
  options: { operator: string; allowWildcardScope: boolean },
): Principal {
  if (!authInfo) return { id: options.operator, scopes: [ALL_SCOPES] };
  const subject = authInfo.extra?.['sub'];
  const scopes = options.allowWildcardScope
    ? authInfo.scopes
    : authInfo.scopes.filter((scope) => scope !== ALL_SCOPES);
  return { id: typeof subject === 'string' ? subject : authInfo.clientId, scopes };
}

/** The scopes of `required` the principal lacks; none when it holds `*`. */
export function missingScopes(principal: Principal, required: readonly string[] | undefined): string[] {
  if (!required || principal.scopes.includes(ALL_SCOPES)) return [];
  return required.filter((scope) => !principal.scopes.includes(scope));
}

/** Every scope an app's tools, resources and prompts require: its `scopes_supported`. */
export function appScopes(app: Pick<AppDefinition, 'tools' | 'resources' | 'prompts'>): string[] {
  const declared = [...app.tools, ...(app.resources ?? []), ...(app.prompts ?? [])];
  return [...new Set(declared.flatMap((entry) => entry.scopes ?? []))];
}
