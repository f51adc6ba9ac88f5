import { auditMigration } from '../audit/schema.js';
import { idempotencyMigration } from '../idempotency/schema.js';
import { settingsMigration } from '../pagination/schema.js';
import type { Migration } from './migrate.js';

/** Core's own tables, applied in scope 'core' before an app's migrations. */
export const coreMigrations: Migration[] = [idempotencyMigration, auditMigration, settingsMigration];
