-- Agent slugs (a stable, human alias for the OpenAI-compatible API's `model`) and running conversation summaries.

-- "Support Bot" -> support-bot: lower-case ASCII letters and digits in dash-separated words, unique per tenant. Set
-- once from the name (numbered where names collide), kept when the agent is renamed, changeable explicitly.
ALTER TABLE agents ADD COLUMN slug text;
WITH named AS (
  SELECT id, tenant_id, created_at,
    coalesce(nullif(trim(BOTH '-' FROM left(regexp_replace(translate(lower(name), 'àáâãäåçèéêëìíîïñòóôõöøùúûüýÿ', 'aaaaaaceeeeiiiinoooooouuuuyy'), '[^a-z0-9]+', '-', 'g'), 60)), ''), 'agent') AS base
  FROM agents
), prefixed AS (
  -- A slug shaped like a UUID would be read as an agent id.
  SELECT id, tenant_id, created_at,
    CASE WHEN base ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN 'agent-' || base ELSE base END AS base
  FROM named
), numbered AS (
  SELECT id, base, row_number() OVER (PARTITION BY tenant_id, base ORDER BY created_at, id) AS n FROM prefixed
)
UPDATE agents a SET slug = CASE WHEN numbered.n = 1 THEN numbered.base ELSE numbered.base || '-' || numbered.n END
FROM numbered WHERE a.id = numbered.id;
-- A numbered slug can still meet another agent's own ("Support Bot 2"): the later one takes a piece of its id.
UPDATE agents a SET slug = a.slug || '-' || right(a.id::text, 8)
WHERE EXISTS (SELECT 1 FROM agents o WHERE o.tenant_id = a.tenant_id AND o.slug = a.slug AND o.id < a.id);
ALTER TABLE agents ALTER COLUMN slug SET NOT NULL;
CREATE UNIQUE INDEX agents_tenant_slug_uq ON agents (tenant_id, slug);

-- The running summary of a conversation: the user and assistant messages that fell out of the history window,
-- folded in by the chat.fold-summary job. `summarized_count` counts those messages (oldest first) rather than naming
-- the last one: the turn that decides whether a fold is due then needs nothing but the conversation row it already
-- read (message_count - summarized_count > window).
ALTER TABLE conversations ADD COLUMN running_summary text;
ALTER TABLE conversations ADD COLUMN summarized_count integer NOT NULL DEFAULT 0;
