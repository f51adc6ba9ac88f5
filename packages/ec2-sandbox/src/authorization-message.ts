// UnauthorizedOperation carries an "encoded authorization failure message". Real EC2 encrypts it
// (STS DecodeAuthorizationMessage reads it); the sandbox's is base64 of JSON in the shape STS
// decodes to, so `base64 -d` or decodeAuthorizationMessage shows which action was refused.
import { OWNER_ID } from './fleet.js';

export interface AuthorizationFailure {
  allowed: false;
  explicitDeny: boolean;
  matchedStatements: { items: unknown[] };
  failures: { items: unknown[] };
  context: { principal: { id: string; arn: string }; action: string; resource: string };
}

const PRINCIPAL_ARN = `arn:aws:iam::${OWNER_ID}:user/sandbox`;

/** The full UnauthorizedOperation message for `action`, with its encoded part. */
export function unauthorizedMessage(action: string, region: string): string {
  const failure: AuthorizationFailure = {
    allowed: false,
    explicitDeny: false,
    matchedStatements: { items: [] },
    failures: { items: [] },
    context: {
      principal: { id: 'AIDASANDBOX', arn: PRINCIPAL_ARN },
      action: `ec2:${action}`,
      resource: `arn:aws:ec2:${region}:${OWNER_ID}:*`,
    },
  };
  const encoded = Buffer.from(JSON.stringify(failure)).toString('base64');
  return (
    `You are not authorized to perform this operation. User: ${PRINCIPAL_ARN} is not authorized to perform: ` +
    `ec2:${action} because no identity-based policy allows the ec2:${action} action. ` +
    `Encoded authorization failure message: ${encoded}`
  );
}

/** Reads the encoded part of a sandbox UnauthorizedOperation message (or the bare encoded text). */
export function decodeAuthorizationMessage(message: string): AuthorizationFailure {
  const marker = 'Encoded authorization failure message: ';
  const at = message.indexOf(marker);
  const encoded = at === -1 ? message : message.slice(at + marker.length);
  return JSON.parse(Buffer.from(encoded.trim(), 'base64').toString('utf8')) as AuthorizationFailure;
}
