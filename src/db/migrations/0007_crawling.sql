-- Website crawls ("website scrapes") into a knowledge base, and the pages each one has found.
CREATE TABLE website_scrapes (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  start_url text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'stopped', 'failed')),
  settings jsonb NOT NULL,
  schedule text NOT NULL DEFAULT 'none' CHECK (schedule IN ('none', 'daily', 'weekly')),
  -- Each run (first crawl, rescrape, scheduled re-sync) gets a new id; jobs of an older run do nothing.
  run_id uuid NOT NULL,
  run_count integer NOT NULL DEFAULT 0,
  robots_txt text,
  -- Politeness: page fetches of one crawl are spaced out by handing each the next free slot.
  next_slot_at timestamptz NOT NULL DEFAULT now(),
  next_run_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX website_scrapes_tenant_idx ON website_scrapes (tenant_id, created_at);
CREATE INDEX website_scrapes_due_idx ON website_scrapes (next_run_at) WHERE schedule <> 'none';

CREATE TABLE website_scrape_pages (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  scrape_id uuid NOT NULL REFERENCES website_scrapes(id) ON DELETE CASCADE,
  url text NOT NULL,
  depth integer NOT NULL CHECK (depth >= 0),
  run_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'fetched', 'unchanged', 'skipped', 'failed')),
  skip_reason text,
  http_status integer,
  error text,
  -- Validators and hash of the last successful fetch, for conditional requests on the next run.
  etag text,
  last_modified text,
  content_hash text,
  document_id uuid REFERENCES documents(id) ON DELETE SET NULL,
  -- Same-site links of the last fetch, so an unchanged (304) page still leads to new pages.
  links text[] NOT NULL DEFAULT '{}',
  fetched_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX website_scrape_pages_url_uq ON website_scrape_pages (scrape_id, url);
CREATE INDEX website_scrape_pages_run_idx ON website_scrape_pages (scrape_id, run_id, status);
CREATE INDEX website_scrape_pages_tenant_idx ON website_scrape_pages (tenant_id);
