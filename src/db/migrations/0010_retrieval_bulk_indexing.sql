-- Bulk indexing: the knowledge pipeline writes the postings of a whole batch of documents in a few statements, and
-- per-row work on retrieval_postings is then most of what ingestion costs (BEIR SciFact: 558k postings for 5,183
-- abstracts). Measured on PGlite, the per-row foreign-key check and the three-column primary key were ~40 % of each
-- insert; both go, with the same guarantees kept another way.

-- A posting still goes with its chunk's index row, through one statement-level trigger instead of a per-row check.
-- Postings are only ever written together with their retrieval_chunks rows (retrieval.repo.ts insertChunksIndex).
ALTER TABLE retrieval_postings DROP CONSTRAINT retrieval_postings_chunk_id_fkey;

CREATE FUNCTION retrieval_chunks_drop_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM retrieval_postings p USING old_rows o WHERE p.chunk_id = o.chunk_id;
  RETURN NULL;
END $$;

CREATE TRIGGER retrieval_chunks_drop_postings AFTER DELETE ON retrieval_chunks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION retrieval_chunks_drop_postings();

-- Scoring looks postings up by (knowledge base, term). One posting per (knowledge base, term, chunk) is kept by the
-- only writer (delete then insert under the knowledge base's advisory lock); a two-column index, deduplicated by
-- PostgreSQL, is smaller and cheaper to maintain than the unique three-column key.
ALTER TABLE retrieval_postings DROP CONSTRAINT retrieval_postings_pkey;
CREATE INDEX retrieval_postings_kb_term_idx ON retrieval_postings (knowledge_base_id, term);
