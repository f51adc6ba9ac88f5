/** SQL rendering a timestamptz column as RFC 3339 UTC with millisecond precision (`2026-03-10T09:30:00.000Z`). */
export function rfc3339(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** Full microsecond precision, for keyset positions that must compare exactly. */
export function rfc3339Micros(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** A parameter value for a timestamptz column. */
export function ts(at: Date): string {
  return at.toISOString();
}
