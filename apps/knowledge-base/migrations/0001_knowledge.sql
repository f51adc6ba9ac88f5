-- Documents, their chunks, and the term statistics BM25 needs, kept in step on every ingest.

-- Trigram similarity finds the indexed term a misspelt query word meant. Created in public, so
-- one installation serves every schema of the database.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE TABLE kb_documents (
  id text PRIMARY KEY,
  uri text NOT NULL UNIQUE CHECK (length(uri) BETWEEN 1 AND 2048),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  collection text NOT NULL CHECK (length(collection) BETWEEN 1 AND 100),
  tags text[] NOT NULL DEFAULT '{}',
  content_type text NOT NULL CHECK (content_type IN ('markdown', 'text', 'html')),
  -- Of everything indexed (text and metadata): an unchanged document is skipped on re-ingest.
  content_hash text NOT NULL,
  content text NOT NULL,
  chunk_count integer NOT NULL CHECK (chunk_count >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_documents_collection ON kb_documents (collection, updated_at);
CREATE INDEX kb_documents_tags ON kb_documents USING gin (tags);

CREATE TABLE kb_chunks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id text NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  heading_path text[] NOT NULL,
  start_offset integer NOT NULL CHECK (start_offset >= 0),
  end_offset integer NOT NULL CHECK (end_offset > start_offset),
  body text NOT NULL,
  -- Title (weight A), heading path (B) and body (D), one vector; BM25 reads term frequencies per weight.
  tsv tsvector NOT NULL,
  -- BM25's document length: lexeme occurrences in tsv.
  token_count integer NOT NULL CHECK (token_count >= 0),
  UNIQUE (document_id, ordinal)
);
CREATE INDEX kb_chunks_tsv ON kb_chunks USING gin (tsv);

-- The inverted index BM25 reads: each lexeme of each chunk with its field-weighted frequency
-- (title, heading and body occurrences weighted as domain/bm25.ts says when the chunk was indexed).
-- The chunk's length is repeated here so that scoring reads this index and nothing else.
CREATE TABLE kb_postings (
  chunk_id bigint NOT NULL REFERENCES kb_chunks (id) ON DELETE CASCADE,
  term text NOT NULL,
  tf real NOT NULL CHECK (tf > 0),
  chunk_tokens integer NOT NULL
);
CREATE INDEX kb_postings_term ON kb_postings (term) INCLUDE (chunk_id, tf, chunk_tokens);
CREATE INDEX kb_postings_chunk ON kb_postings (chunk_id);

-- Document frequency of each lexeme: how many chunks contain it.
CREATE TABLE kb_terms (
  term text PRIMARY KEY,
  df integer NOT NULL CHECK (df > 0)
);
CREATE INDEX kb_terms_trigrams ON kb_terms USING gin (term public.gin_trgm_ops);

-- Corpus size for IDF and average length: one row.
CREATE TABLE kb_corpus_stats (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  chunk_count bigint NOT NULL CHECK (chunk_count >= 0),
  total_tokens bigint NOT NULL CHECK (total_tokens >= 0)
);
INSERT INTO kb_corpus_stats (chunk_count, total_tokens) VALUES (0, 0);
