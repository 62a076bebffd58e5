-- Embedded mode keeps its hottest reads (an API key with its tenant, a turn's agent with its provider and knowledge
-- bases) in memory, because every statement runs on PGlite's one thread; PostgreSQL servers do not need it. The
-- cache must never outlive a write, whichever code path or transaction makes it, so the tables those reads come from
-- announce every committed change themselves. NOTIFY is delivered at commit (never for a rolled-back write), and
-- within one PGlite instance before the committing statement returns, so a write is never followed by a stale read.
-- Statement-level: one notification per statement; PostgreSQL folds identical ones within a transaction.
CREATE FUNCTION switchboard_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('switchboard_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- Every column but last_used_at: authentication itself writes that one (once a minute per key), and announcing it
-- would drop the key it just kept.
CREATE TRIGGER api_keys_changed AFTER INSERT OR DELETE OR TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER api_keys_updated
  AFTER UPDATE OF id, tenant_id, name, prefix, key_hash, scopes, expires_at, revoked_at, created_at, created_by ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER tenants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenants
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER agents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agents
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER ai_providers_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ai_providers
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER agent_knowledge_bases_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agent_knowledge_bases
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
CREATE TRIGGER retrieval_kb_stats_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON retrieval_kb_stats
  FOR EACH STATEMENT EXECUTE FUNCTION switchboard_notify_change();
