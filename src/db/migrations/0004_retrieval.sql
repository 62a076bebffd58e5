-- Retrieval: a BM25F inverted index over chunks, kept in PostgreSQL so scoring runs next to the data on PGlite and on
-- a server alike; and, when an embedding provider is configured, one vector per chunk for hybrid search.

-- One row per indexed chunk: field lengths for BM25 length normalisation.
CREATE TABLE retrieval_chunks (
  chunk_id uuid PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  title_length integer NOT NULL,
  body_length integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retrieval_chunks_document_idx ON retrieval_chunks (document_id);
CREATE INDEX retrieval_chunks_tenant_kb_idx ON retrieval_chunks (tenant_id, knowledge_base_id);

-- Postings: term frequency per field. The lengths are copied in so scoring never joins retrieval_chunks.
CREATE TABLE retrieval_postings (
  knowledge_base_id uuid NOT NULL,
  term text NOT NULL,
  chunk_id uuid NOT NULL REFERENCES retrieval_chunks(chunk_id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  document_id uuid NOT NULL,
  title_tf smallint NOT NULL,
  body_tf smallint NOT NULL,
  title_length integer NOT NULL,
  body_length integer NOT NULL,
  PRIMARY KEY (knowledge_base_id, term, chunk_id)
);
CREATE INDEX retrieval_postings_chunk_idx ON retrieval_postings (chunk_id);

-- Corpus statistics per knowledge base, kept by triggers so that cascaded deletes (a document or a knowledge base
-- removed elsewhere) never leave them stale. `version` invalidates cached search results.
CREATE TABLE retrieval_kb_stats (
  knowledge_base_id uuid PRIMARY KEY REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  chunk_count bigint NOT NULL DEFAULT 0,
  title_length_sum bigint NOT NULL DEFAULT 0,
  body_length_sum bigint NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retrieval_kb_stats_tenant_idx ON retrieval_kb_stats (tenant_id);

-- Document frequency per term and knowledge base.
CREATE TABLE retrieval_term_stats (
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  term text NOT NULL,
  df integer NOT NULL,
  PRIMARY KEY (knowledge_base_id, term)
);

CREATE FUNCTION retrieval_chunks_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO retrieval_kb_stats AS s (knowledge_base_id, tenant_id, chunk_count, title_length_sum, body_length_sum, version)
  SELECT knowledge_base_id, tenant_id, count(*), sum(title_length), sum(body_length), 1
  FROM new_rows GROUP BY knowledge_base_id, tenant_id
  ON CONFLICT (knowledge_base_id) DO UPDATE SET
    chunk_count = s.chunk_count + excluded.chunk_count,
    title_length_sum = s.title_length_sum + excluded.title_length_sum,
    body_length_sum = s.body_length_sum + excluded.body_length_sum,
    version = s.version + 1,
    updated_at = now();
  RETURN NULL;
END $$;

CREATE FUNCTION retrieval_chunks_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE retrieval_kb_stats s SET
    chunk_count = s.chunk_count - o.n,
    title_length_sum = s.title_length_sum - o.t,
    body_length_sum = s.body_length_sum - o.b,
    version = s.version + 1,
    updated_at = now()
  FROM (SELECT knowledge_base_id, count(*) AS n, sum(title_length) AS t, sum(body_length) AS b
        FROM old_rows GROUP BY knowledge_base_id) o
  WHERE s.knowledge_base_id = o.knowledge_base_id;
  RETURN NULL;
END $$;

CREATE FUNCTION retrieval_postings_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO retrieval_term_stats AS s (knowledge_base_id, term, df)
  SELECT knowledge_base_id, term, count(*) FROM new_rows GROUP BY knowledge_base_id, term ORDER BY 1, 2
  ON CONFLICT (knowledge_base_id, term) DO UPDATE SET df = s.df + excluded.df;
  RETURN NULL;
END $$;

CREATE FUNCTION retrieval_postings_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE retrieval_term_stats s SET df = s.df - o.n
  FROM (SELECT knowledge_base_id, term, count(*) AS n FROM old_rows GROUP BY knowledge_base_id, term) o
  WHERE s.knowledge_base_id = o.knowledge_base_id AND s.term = o.term;
  RETURN NULL;
END $$;

CREATE TRIGGER retrieval_chunks_added AFTER INSERT ON retrieval_chunks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION retrieval_chunks_added();
CREATE TRIGGER retrieval_chunks_removed AFTER DELETE ON retrieval_chunks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION retrieval_chunks_removed();
CREATE TRIGGER retrieval_postings_added AFTER INSERT ON retrieval_postings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION retrieval_postings_added();
CREATE TRIGGER retrieval_postings_removed AFTER DELETE ON retrieval_postings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION retrieval_postings_removed();

-- One vector per chunk and model. The column has no fixed dimension (models differ); the service creates one HNSW
-- index per dimension in use, on a cast expression, at start-up.
CREATE TABLE retrieval_embeddings (
  chunk_id uuid PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  model text NOT NULL,
  dimensions integer NOT NULL,
  embedding vector NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retrieval_embeddings_tenant_kb_idx ON retrieval_embeddings (tenant_id, knowledge_base_id, model);
