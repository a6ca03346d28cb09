-- 0036: webhooks deliver the feed's entries (issue 11: a delivery's body is the feed entry).
-- The feed (0030) and the webhooks (0031) were written side by side; this joins them.
--
-- One visibility rule for both: zsz_change_visible (0008, 0030) by entity and roles, plus the
-- incidents the plenipotentiary reads in its reduced view (zsz_feed_record renders them as
-- GET /incidents/{id} does for it), minus an incident's deadline events for anyone who does
-- not read incidents whole (their document names the incident, unreduced; 0032).
CREATE FUNCTION zsz_feed_visible(entity text, record_id text, roles text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (zsz_change_visible(entity, roles) OR (entity = 'incident' AND 'plenipotentiary' = ANY (roles)))
     AND NOT (entity = 'deadline' AND record_id LIKE 'incident/%' AND NOT roles && ARRAY['iod', 'president']);

-- 0030's entry, its visibility test now the shared rule.
CREATE OR REPLACE FUNCTION zsz_feed_entry(c change_log, roles text[], sub text) RETURNS json
  LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  record json;
BEGIN
  IF NOT zsz_feed_visible(c.entity, c.record_id, roles) THEN
    RETURN NULL;
  END IF;
  record := zsz_feed_record(c, roles, sub);
  IF record IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN json_build_object('id', c.id, 'at', zsz_ts(c.at), 'entity', c.entity, 'record_id', c.record_id,
                           'action', c.action, 'actor', c.actor, 'record', record);
END
$$;

-- A delivery's body: the entry as the feed shows it to the subscription's roles (kept from its
-- creator; no sub: a subscription is no person, so nothing is shown for being its author).
CREATE OR REPLACE FUNCTION zsz_webhook_body(c change_log, roles text[]) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_feed_entry(c, roles, NULL);

-- The outbox queues what the subscription's roles may read, by the same rule (0032's version
-- otherwise unchanged).
CREATE OR REPLACE FUNCTION zsz_webhook_enqueue() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO webhook_deliveries (org_id, subscription_id, message_id, event, change_id)
  SELECT n.org_id, s.id, 'msg_' || s.id || '_' || n.id, n.entity || '.' || n.action, n.id
    FROM new_entries n
    JOIN webhook_subscriptions s ON s.org_id = n.org_id AND s.active
   WHERE zsz_webhook_event_matches(s.events, n.entity || '.' || n.action)
     AND zsz_feed_visible(n.entity, n.record_id, s.roles)
   ORDER BY n.id, s.id;
  RETURN NULL;
END
$$;

-- A subscription's change-log entry without the per-organisation lock (0030 removed it from
-- the other writers: the feed's order no longer needs it).
CREATE OR REPLACE FUNCTION zsz_webhook_log() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  org bigint := CASE TG_OP WHEN 'DELETE' THEN OLD.org_id ELSE NEW.org_id END;
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.url, OLD.events, OLD.active, OLD.description, OLD.secret)
                          IS NOT DISTINCT FROM (NEW.url, NEW.events, NEW.active, NEW.description, NEW.secret) THEN
    RETURN NULL;
  END IF;
  INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after)
  VALUES (org, TG_ARGV[0], CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END::text,
          coalesce(nullif(current_setting('zsz.action', true), ''),
                   CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END),
          coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user),
          CASE WHEN TG_OP <> 'INSERT' THEN zsz_webhook_json(OLD)::jsonb END,
          CASE WHEN TG_OP <> 'DELETE' THEN zsz_webhook_json(NEW)::jsonb END);
  RETURN NULL;
END
$$;
