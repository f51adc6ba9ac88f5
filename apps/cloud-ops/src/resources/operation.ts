import { defineResource, ToolError } from '@bounded/core';
import type { CloudOpsDeps } from '../config.js';
import { ID_PATTERN } from '../store/ids.js';
import { findOperation, recentOperations } from '../store/operations.js';

export const operationResource = defineResource<CloudOpsDeps>({
  name: 'operation',
  title: 'Operation',
  description:
    'One operation as recorded (kind, target, status, instances, who asked, errors). Reading does not contact EC2; get_operation_status does.',
  uri: 'cloud-ops://operations/{operation_id}',
  mimeType: 'application/json',
  async list(ctx) {
    const operations = await recentOperations(ctx.db, 50);
    return operations.map((o) => ({
      uri: `cloud-ops://operations/${o.id}`,
      name: `${o.id} (${o.kind} ${o.environmentName}, ${o.status})`,
    }));
  },
  async read(params, ctx) {
    const id = params.operation_id ?? '';
    if (!ID_PATTERN.op.test(id))
      throw new ToolError('invalid_argument', `"${id}" is not an operation id (op_…).`);
    const op = await findOperation(ctx.db, id);
    if (!op) throw new ToolError('not_found', `No operation ${id}.`);
    return { text: JSON.stringify(op, null, 2) };
  },
});
