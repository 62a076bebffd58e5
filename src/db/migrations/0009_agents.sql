-- Agents and the conversation runtime: provider credentials, agents and their knowledge, conversations with their
-- messages, escalation events for the handoff work, and daily usage per agent.

-- A tenant's LLM provider credentials. The API key is sealed with AES-256-GCM (src/lib/crypto.ts) under the
-- instance encryption key, bound to the row id; only its last characters are kept in clear, to tell keys apart.
CREATE TABLE ai_providers (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  provider text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'openai-compatible')),
  base_url text,
  api_key_sealed text,
  api_key_hint text,
  default_model text,
  last_checked_at timestamptz,
  last_check_ok boolean,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ai_providers_tenant_name_uq ON ai_providers (tenant_id, lower(name));

CREATE TABLE agents (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'TRAINING', 'ACTIVE')),
  personality text NOT NULL DEFAULT 'PROFESSIONAL',
  language text NOT NULL DEFAULT 'en',
  greeting text,
  system_prompt text,
  -- Without a provider the agent answers with the built-in extractive responder.
  provider_id uuid REFERENCES ai_providers(id) ON DELETE SET NULL,
  model jsonb NOT NULL DEFAULT '{}',
  retrieval jsonb NOT NULL DEFAULT '{}',
  fallback jsonb NOT NULL DEFAULT '{}',
  published_at timestamptz,
  training_started_at timestamptz,
  trained_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_tenant_idx ON agents (tenant_id, created_at);
CREATE INDEX agents_provider_idx ON agents (provider_id) WHERE provider_id IS NOT NULL;

CREATE TABLE agent_knowledge_bases (
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  knowledge_base_id uuid NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, knowledge_base_id)
);
CREATE INDEX agent_knowledge_bases_kb_idx ON agent_knowledge_bases (knowledge_base_id);

-- A conversation between a customer (or a tester) and an agent; the sessions API and the inbox read the same rows.
CREATE TABLE conversations (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  channel text NOT NULL DEFAULT 'api',
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'WAITING', 'CLOSED')),
  priority text NOT NULL DEFAULT 'NORMAL' CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
  -- A caller-chosen id (OpenAI-compatible API header or `user` field) that finds the conversation again.
  external_id text,
  customer jsonb NOT NULL DEFAULT '{}',
  summary text,
  close_reason text,
  rating smallint CHECK (rating BETWEEN 1 AND 5),
  message_count integer NOT NULL DEFAULT 0,
  last_message_at timestamptz,
  closed_at timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_tenant_idx ON conversations (tenant_id, created_at);
CREATE INDEX conversations_agent_idx ON conversations (agent_id, created_at);
CREATE UNIQUE INDEX conversations_external_uq ON conversations (tenant_id, agent_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE messages (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant', 'human', 'system')),
  content text NOT NULL,
  -- For assistant turns: mode (generative | extractive | fallback), sources, confidence, tokens, latency.
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at);
CREATE INDEX messages_tenant_idx ON messages (tenant_id, created_at);

-- Why an agent handed over (or should hand over) to a human; the handoff work consumes unhandled rows.
CREATE TABLE escalation_events (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations(id) ON DELETE CASCADE,
  message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
  trigger text NOT NULL CHECK (trigger IN ('LOW_CONFIDENCE', 'NO_ANSWER', 'HUMAN_REQUESTED', 'KEYWORD', 'NEGATIVE_SENTIMENT', 'AI_UNAVAILABLE')),
  details jsonb NOT NULL DEFAULT '{}',
  handled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX escalation_events_tenant_idx ON escalation_events (tenant_id, created_at);
CREATE INDEX escalation_events_agent_idx ON escalation_events (agent_id, created_at);

-- Metered usage, one row per tenant, agent and UTC day, incremented by each turn.
CREATE TABLE agent_usage_daily (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  day date NOT NULL,
  turns integer NOT NULL DEFAULT 0,
  generative_turns integer NOT NULL DEFAULT 0,
  extractive_turns integer NOT NULL DEFAULT 0,
  fallback_turns integer NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  latency_ms_total bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, agent_id, day)
);
CREATE INDEX agent_usage_daily_agent_idx ON agent_usage_daily (agent_id, day);
