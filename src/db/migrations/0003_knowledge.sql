CREATE TABLE knowledge_bases (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  chunk_size integer NOT NULL DEFAULT 512 CHECK (chunk_size > 0),
  chunk_overlap integer NOT NULL DEFAULT 64 CHECK (chunk_overlap >= 0),
  settings jsonb NOT NULL DEFAULT '{}',
  last_indexed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_bases_tenant_idx ON knowledge_bases (tenant_id, created_at);

CREATE TABLE documents (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  name text NOT NULL,
  type text NOT NULL,
  mime_type text NOT NULL,
  size_bytes bigint NOT NULL,
  content_hash text NOT NULL,
  storage_key text NOT NULL,
  source_url text,
  status text NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'processing', 'processed', 'failed')),
  progress integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  error_message text,
  page_count integer,
  chunk_count integer NOT NULL DEFAULT 0,
  processing_ms integer,
  -- Each (re)processing run gets a new id; pipeline jobs of an older run see a different id and do nothing.
  processing_run_id uuid,
  processing_started_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  options jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Identical bytes in one knowledge base are one document; the upload route reports the existing one.
CREATE UNIQUE INDEX documents_kb_content_hash_uq ON documents (knowledge_base_id, content_hash);
CREATE INDEX documents_tenant_idx ON documents (tenant_id, created_at);
CREATE INDEX documents_kb_idx ON documents (knowledge_base_id, status);
CREATE INDEX documents_source_url_idx ON documents (knowledge_base_id, source_url) WHERE source_url IS NOT NULL;

CREATE TABLE chunks (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  content text NOT NULL,
  headings text[] NOT NULL DEFAULT '{}',
  token_count integer NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chunks_tenant_kb_idx ON chunks (tenant_id, knowledge_base_id);
CREATE UNIQUE INDEX chunks_document_ordinal_uq ON chunks (document_id, ordinal);
