-- The ingestion pipeline updates every document row three or four times per run (processing, parsed, chunked,
-- processed). Measured on PGlite with BEIR SciFact (5,183 abstracts), each of these updates cost about as much as the
-- insert: the new row version went to another page, so all five indexes of the table got a new entry. Two changes let
-- PostgreSQL update in place (HOT: no index entry, the old version pruned on the page):
-- - `status` is no longer indexed: `documents_kb_idx (knowledge_base_id, status)` goes. Lookups by knowledge base use
--   the leading column of `documents_kb_content_hash_uq (knowledge_base_id, content_hash)` (listing, summary, retrain,
--   the cascade of a knowledge base delete), and a status filter is applied to that knowledge base's rows.
-- - Half of each new page is left free for later versions of its rows (fillfactor 50; the table stays small next to
--   chunks and postings). Existing pages keep their layout until rewritten; new rows get the free space.
DROP INDEX documents_kb_idx;
ALTER TABLE documents SET (fillfactor = 50);
