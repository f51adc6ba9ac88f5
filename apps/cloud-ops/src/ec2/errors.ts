import { ToolError } from '@bounded/core';

/** The parts of an AWS SDK service exception this mapping reads. */
interface AwsError {
  name?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const INVALID_INPUT =
  /^(Invalid[A-Za-z]*(ID|Id)\.Malformed|InvalidParameterValue|InvalidParameterCombination|InvalidParameter|MissingParameter|InvalidAMIID\.[A-Za-z]+|InvalidSubnetID\.[A-Za-z]+|InvalidGroup\.[A-Za-z]+|InvalidTagKey\.[A-Za-z]+)$/;

/**
 * Turns an EC2 failure into an error the model can act on, naming the EC2 action (`ec2:RunInstances`)
 * so a missing IAM permission is obvious. Cancellation passes through untouched, as do errors that
 * are not EC2's (they become `internal` in the wrapper).
 */
export function ec2Error(error: unknown, action: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const aws = error as AwsError;
  const code = aws.Code ?? aws.name ?? '';
  if (code === 'AbortError' || (error instanceof DOMException && error.name === 'TimeoutError')) return error;
  const iamAction = `ec2:${action}`;
  const details = { ec2_action: iamAction, ec2_code: code };
  const ec2Message = (aws.message ?? '').slice(0, 300);
  if (code === 'UnauthorizedOperation' || code === 'AuthFailure') {
    return new ToolError(
      'permission_denied',
      `EC2 refused ${iamAction}: the server's AWS identity is not allowed to call it (${code}). Nothing was changed.`,
      {
        hint: `Ask the operator to grant ${iamAction} to the server's IAM role (the README lists the whole policy), then retry with the same idempotency_key.`,
        details,
        // Granting the permission fixes it, so a retry must call EC2 again rather than replay this.
        transient: true,
        cause: error,
      },
    );
  }
  if (code === 'RequestLimitExceeded' || code === 'Throttling' || code === 'ThrottlingException') {
    return new ToolError('unavailable', `EC2 kept throttling ${iamAction} after several attempts.`, {
      hint: 'Wait a few seconds and retry with the same idempotency_key; nothing is done twice.',
      details,
      cause: error,
    });
  }
  if (code === 'InsufficientInstanceCapacity' || code === 'InsufficientCapacity') {
    return new ToolError('unavailable', `EC2 has no capacity for this request right now (${iamAction}).`, {
      hint: 'Retry later, or ask for another instance type or a smaller count.',
      details,
      cause: error,
    });
  }
  if (code === 'IdempotentParameterMismatch' || code === 'IdempotentInstanceTerminated') {
    return new ToolError(
      'conflict',
      `EC2 rejected the client token of ${iamAction} (${code}): ${ec2Message}`,
      {
        hint: 'This idempotency_key already launched something else, or its instances are terminated: use a new idempotency_key.',
        details,
        cause: error,
      },
    );
  }
  if (code.endsWith('.NotFound')) {
    return new ToolError('not_found', `EC2 does not know a resource named in ${iamAction}: ${ec2Message}`, {
      hint: 'Check the ids with list_instances.',
      details,
      transient: true,
      cause: error,
    });
  }
  if (INVALID_INPUT.test(code)) {
    return new ToolError('invalid_argument', `EC2 rejected the request to ${iamAction}: ${ec2Message}`, {
      hint: 'Fix the named value and call again; nothing was changed.',
      details,
      cause: error,
    });
  }
  if (code === 'IncorrectInstanceState' || code === 'IncorrectState') {
    return new ToolError(
      'precondition_failed',
      `An instance is in the wrong state for ${iamAction}: ${ec2Message}`,
      {
        hint: 'Check the environment with get_operation_status or list_instances, then retry.',
        details,
        transient: true,
        cause: error,
      },
    );
  }
  if (aws.$fault === 'server' || (aws.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new ToolError(
      'unavailable',
      `EC2 failed ${iamAction} with a server error (${code || 'no code'}) after several attempts.`,
      {
        hint: 'Retry with the same idempotency_key in a few seconds; nothing is done twice.',
        details,
        cause: error,
      },
    );
  }
  return error;
}
