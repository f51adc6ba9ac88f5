// The only place that talks SQL about notes.
import type { Queryable } from '@bounded/core';

export interface Note {
  note_id: string;
  title: string;
  created_at: string;
}

/** Saves a note in the caller's transaction. */
export async function insertNote(
  db: Queryable,
  note: { owner: string; title: string; body: string },
): Promise<Note> {
  // Times leave the database as RFC 3339 UTC text, the same from PostgreSQL and PGlite.
  const { rows } = await db.query<Note>(
    `INSERT INTO notes (owner, title, body) VALUES ($1, $2, $3)
     RETURNING id::text AS note_id, title,
               to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`,
    [note.owner, note.title, note.body],
  );
  return rows[0]!;
}
