-- Which embedding tables exist: one per model and vector size, so vectors of different models
-- never mix. The tables themselves are created at run time, and only where the vector extension
-- exists (a migration that needed it would fail on a PostgreSQL without pgvector).
CREATE TABLE kb_embedding_spaces (
  table_name text PRIMARY KEY,
  model text NOT NULL,
  dimensions integer NOT NULL CHECK (dimensions > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (model, dimensions)
);
