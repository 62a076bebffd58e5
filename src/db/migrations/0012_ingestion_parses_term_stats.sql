-- The parse step's output (the ParsedDocument as JSON text) lives next to its document instead of in file storage
-- as `<original key>.parsed.json`: it is written in the transaction that marks the document parsed and read by the
-- chunk step, which saves two stored-file round trips per document (BEIR SciFact: ~9 file-system calls of ~18),
-- and goes with the document row on delete. Originals stay in file storage (download, re-processing).
-- Plain text, not jsonb: it is only ever read whole by the application, so PostgreSQL need not parse it.
CREATE TABLE document_parses (
  document_id uuid PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  parsed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Document frequencies on insert: the indexer (retrieval.repo.ts insertChunksIndex, the only writer of postings)
-- counts each batch's terms itself and upserts every (knowledge base, term) once per batch, in the same transaction
-- as the postings. The statement trigger did the same from the transition table, which PostgreSQL first had to
-- fill with every posting (558k rows for SciFact) and group again. Deletes keep their trigger: postings also go by
-- cascade (a document or knowledge base deleted elsewhere), and the statistics must follow them.
DROP TRIGGER retrieval_postings_added ON retrieval_postings;
DROP FUNCTION retrieval_postings_added();
