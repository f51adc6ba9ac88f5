-- Forward-only: a later change is a new numbered file, never an edit of this one.
CREATE TABLE notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner text NOT NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
