import { acceptedContent, inputResponse, type InputResponses } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { ToolError } from '../errors.js';

const ConfirmAnswer = z.object({
  confirm: z.boolean().meta({ title: 'Approve this operation' }),
});

/** Thrown by `ctx.confirm` when the person has not answered yet; the wrapper turns it into input_required. */
export class ConfirmationNeeded extends Error {
  override name = 'ConfirmationNeeded';
}

/** The elicitation request the wrapper returns for a pending confirmation. */
export const confirmationSchema = ConfirmAnswer;

export interface ConfirmSetting {
  /** The client declared the elicitation capability. */
  canElicit: boolean;
  /** The answers the client sent with this round of the call. */
  responses: InputResponses | undefined;
  /** The operator allows a model to pass `confirmed: true` when the client cannot elicit. */
  allowModelConfirmation: boolean;
  /** The call carried `confirmed: true`. */
  modelConfirmed: boolean;
  /**
   * A 2025-11-25 client reached the stateless HTTP server: it never saw `initialize`, so it does
   * not know what the client can do and could not send it a request anyway.
   */
  statelessLegacy?: boolean;
}

/** Builds `ctx.confirm`: asks the person through elicitation, or refuses with an actionable error. */
export function makeConfirm(setting: ConfirmSetting): (message: string) => Promise<void> {
  return async (message) => {
    if (setting.canElicit) {
      const view = inputResponse(setting.responses, 'confirm');
      if (view.kind === 'missing') throw new ConfirmationNeeded(message);
      if (acceptedContent(setting.responses, 'confirm', ConfirmAnswer)?.confirm === true) return;
      throw new ToolError(
        'permission_denied',
        `The person did not approve: ${message} Nothing was changed.`,
        {
          hint: 'Do not retry unless the person asks for it again; a retry asks them again.',
          transient: true,
        },
      );
    }
    if (setting.allowModelConfirmation && setting.modelConfirmed) return;
    if (setting.statelessLegacy && !setting.allowModelConfirmation) {
      throw new ToolError(
        'confirmation_required',
        `This operation needs the person's approval, and this server cannot ask an MCP 2025-11-25 client over stateless HTTP: ${message}`,
        {
          hint:
            'Tell the person that the operator can turn on LEGACY_HTTP_SESSIONS=true (one replica, or a load balancer ' +
            'routing by Mcp-Session-Id) so the server can ask, or allow model-confirmed calls (ALLOW_MODEL_CONFIRMATION=true); ' +
            'a client speaking MCP 2026-07-28, or stdio, can be asked as it is. Nothing was changed.',
        },
      );
    }
    throw new ToolError(
      'confirmation_required',
      `This operation needs the person's approval and this client cannot ask for it: ${message}`,
      {
        hint: setting.allowModelConfirmation
          ? 'Ask the person to approve this exact operation; if they do, call again with confirmed: true and the same idempotency_key.'
          : 'Use a client that supports elicitation, or ask the operator to allow model-confirmed calls (ALLOW_MODEL_CONFIRMATION=true).',
      },
    );
  };
}
