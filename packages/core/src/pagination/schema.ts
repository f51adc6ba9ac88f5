/** Creates `bounded_settings`, the app database's small key/value store (the generated cursor key lives here). */
export const settingsMigration: { id: string; sql: string } = {
  id: '0003_settings',
  sql: `CREATE TABLE IF NOT EXISTS bounded_settings (
  name  text PRIMARY KEY,
  value text NOT NULL
)`,
};
