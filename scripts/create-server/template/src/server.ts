import type { AppDefinition } from '@bounded/core';
import { addNote } from './tools/add-note.js';

export const __camel__App: AppDefinition = {
  name: '__name__',
  version: '0.1.0',
  instructions: 'Keeps short notes. Every tool that writes takes an idempotency_key: reuse it only to retry.',
  tools: [addNote],
};
