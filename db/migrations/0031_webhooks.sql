-- Webhooks (issue 11): subscriptions, and an outbox of deliveries written by the change
-- log's own trigger in the writer's transaction. docs/design-webhooks.md explains the queue.

-- A subscription: where to send which events, signed with its secret. The secret is a
-- signing key (HMAC-SHA256): the server must be able to read it to sign, so it is kept, not
-- hashed; no JSON document of this table carries it (zsz_webhook_json leaves it out, the
-- change-log trigger below logs that document, never the row). previous_secret stays valid
-- until previous_secret_expires_at after a rotation (deliveries then carry two signatures).
-- roles: the creator's roles; deliveries show records as the feed shows them to those roles.
-- failing_since: the first failed attempt since the last success (NULL: not failing).
CREATE TABLE webhook_subscriptions (
  id                         bigint GENERATED ALWAYS AS IDENTITY,
  org_id                     bigint NOT NULL REFERENCES organisations(id),
  url                        text NOT NULL,
  events                     text[] NOT NULL,
  active                     boolean NOT NULL DEFAULT true,
  description                text,
  secret                     text NOT NULL,
  previous_secret            text,
  previous_secret_expires_at timestamptz,
  roles                      text[] NOT NULL,
  created_by                 text NOT NULL,
  created_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  revision                   bigint NOT NULL DEFAULT 1,
  failing_since              timestamptz,
  disabled_at                timestamptz,
  disabled_reason            text,
  -- keys hold org_id: the tables shard by organisation (tests/api/test_citus_schema.py)
  PRIMARY KEY (org_id, id),
  CHECK (secret LIKE 'whsec\_%'),
  CHECK (cardinality(events) >= 1)
);

-- One delivery of one event to one subscription. change_id names the change-log entry whose
-- body is rendered at delivery time (zsz_webhook_delivery_body); payload holds the body of
-- an event that is no change-log entry (ping). message_id is the webhook-id header: the same
-- on every attempt and on a redelivery of the same message. xid: the transaction that wrote
-- it; a subscription's deliveries go out in (xid, id) order, and only once no older
-- transaction is still running (zsz_webhook_claim), so a late commit cannot be overtaken.
CREATE TABLE webhook_deliveries (
  id                 bigint GENERATED ALWAYS AS IDENTITY,
  org_id             bigint NOT NULL REFERENCES organisations(id),
  subscription_id    bigint NOT NULL,
  message_id         text NOT NULL,
  event              text NOT NULL,
  change_id          bigint,
  payload            json,
  xid                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  lease_until        timestamptz,
  last_attempt_at    timestamptz,
  last_response_code integer,
  last_latency_ms    integer,
  last_error         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  delivered_at       timestamptz,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, subscription_id) REFERENCES webhook_subscriptions (org_id, id) ON DELETE CASCADE,
  CHECK (change_id IS NOT NULL OR payload IS NOT NULL)
);
-- the head of each subscription's queue
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (subscription_id, xid, id) WHERE status = 'pending';
-- GET /webhooks/{id}/deliveries, newest first
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (org_id, subscription_id, id);
-- the housekeeping job deleting finished deliveries after 30 days (webhooks_q_prune)
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (org_id, created_at) WHERE status <> 'pending';

GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_subscriptions, webhook_deliveries TO zsz_app;
ALTER TABLE webhook_subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON webhook_subscriptions TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());
CREATE POLICY tenant ON webhook_deliveries TO zsz_app
  USING (org_id = zsz_current_org()) WITH CHECK (org_id = zsz_current_org());

-- Event patterns: '*', '<entity>.*', '<entity>.<action>' or 'ping' (checked by the server,
-- rules.c). An event matches a pattern equal to it, '*', or '<its entity>.*'.
CREATE FUNCTION zsz_webhook_event_matches(patterns text[], event text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN '*' = ANY (patterns) OR event = ANY (patterns) OR split_part(event, '.', 1) || '.*' = ANY (patterns);

CREATE FUNCTION zsz_webhook_json(s webhook_subscriptions) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', s.id, 'url', s.url, 'events', to_json(s.events), 'active', s.active,
                           'description', s.description, 'created_by', s.created_by, 'roles', to_json(s.roles),
                           'created_at', zsz_ts(s.created_at), 'updated_at', zsz_ts(s.updated_at),
                           'failing_since', zsz_ts(s.failing_since), 'disabled_at', zsz_ts(s.disabled_at),
                           'disabled_reason', s.disabled_reason,
                           'previous_secret_expires_at',
                           zsz_ts(CASE WHEN s.previous_secret_expires_at > now() THEN s.previous_secret_expires_at END));

CREATE FUNCTION zsz_webhook_delivery_json(d webhook_deliveries) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN json_build_object('id', d.id, 'subscription_id', d.subscription_id, 'message_id', d.message_id,
                           'event', d.event, 'change_id', d.change_id, 'status', d.status, 'attempts', d.attempts,
                           'last_response_code', d.last_response_code, 'last_latency_ms', d.last_latency_ms,
                           'last_error', d.last_error, 'last_attempt_at', zsz_ts(d.last_attempt_at),
                           'next_attempt_at', zsz_ts(CASE WHEN d.status = 'pending' THEN d.next_attempt_at END),
                           'created_at', zsz_ts(d.created_at), 'delivered_at', zsz_ts(d.delivered_at));

-- The body of a delivery of change-log entry c to a subscription created by roles: the feed's
-- entry (0030) as the feed shows it to the same roles. A subscription is no person: nothing is
-- shown to it for being a record's author (sub NULL).
CREATE FUNCTION zsz_webhook_body(c change_log, roles text[]) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN zsz_feed_entry(c, roles, NULL);

CREATE FUNCTION zsz_webhook_delivery_body(d webhook_deliveries, roles text[]) RETURNS json
  LANGUAGE sql STABLE
  RETURN coalesce(d.payload, (SELECT zsz_webhook_body(c, roles) FROM change_log c
                               WHERE c.org_id = d.org_id AND c.id = d.change_id));

-- The outbox: one statement-level trigger per INSERT statement on change_log (a
-- 100,000-row import is one join, not 100,000 trigger calls) adds one delivery per entry
-- and matching active subscription of the entry's organisation, in the writer's
-- transaction: no change is committed without its deliveries, none is queued for a change
-- rolled back. SECURITY DEFINER: a write logged without a tenant (a system job, a
-- migration) still reaches its organisation's subscriptions; the join is by org_id. An entry is
-- queued for the subscriptions whose roles may read it in the feed (zsz_feed_visible, 0030).
CREATE FUNCTION zsz_webhook_enqueue() RETURNS trigger
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
CREATE TRIGGER change_log_webhooks AFTER INSERT ON change_log
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_webhook_enqueue();

-- Subscriptions are register writes like any other (entity webhook), logged with their
-- public document (never the secret). A rotation is an update whose action the server sets
-- (rotate_secret); the automatic disabling is action disable with disabled_reason in the
-- document. Bookkeeping of deliveries (failing_since) is not logged.
CREATE FUNCTION zsz_webhook_log() RETURNS trigger
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
CREATE TRIGGER webhook_subscriptions_log AFTER INSERT OR UPDATE OR DELETE ON webhook_subscriptions
  FOR EACH ROW EXECUTE FUNCTION zsz_webhook_log('webhook');

-- A worker's claim: the oldest due delivery at the head of an active subscription's queue
-- (so one worker at a time sends a subscription's deliveries, in order), written by a
-- transaction older than every one still running, not leased by another worker; with it, up to
-- batch - 1 of the deliveries that follow it in that queue, as long as they too are due and
-- below the horizon. All are leased for lease_seconds and returned in queue order. The worker
-- commits at once, sends them one after the other outside any transaction, and records the
-- outcomes (zsz_webhook_record, zsz_webhook_release). A worker that dies leaves its leases to
-- expire: another instance then sends them again. Across organisations (SECURITY DEFINER): the
-- worker has no tenant until it knows the deliveries'.
CREATE FUNCTION zsz_webhook_claim(lease_seconds double precision, batch integer)
  RETURNS TABLE (org_id bigint, delivery_id bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  horizon xid8 := pg_snapshot_xmin(pg_current_snapshot());
  candidate record;
  nxt record;
  got webhook_deliveries;
BEGIN
  FOR candidate IN
    SELECT s.org_id, h.id
      FROM webhook_subscriptions s
      CROSS JOIN LATERAL (SELECT d.id, d.next_attempt_at, d.lease_until, d.xid
                            FROM webhook_deliveries d
                           WHERE d.subscription_id = s.id AND d.org_id = s.org_id AND d.status = 'pending'
                           ORDER BY d.xid, d.id LIMIT 1) h
     WHERE s.active AND h.next_attempt_at <= now() AND (h.lease_until IS NULL OR h.lease_until <= now())
       AND h.xid < horizon
     ORDER BY h.next_attempt_at, h.id
  LOOP
    SELECT d.* INTO got FROM webhook_deliveries d
     WHERE d.org_id = candidate.org_id AND d.id = candidate.id AND d.status = 'pending'
       AND (d.lease_until IS NULL OR d.lease_until <= now())
       FOR UPDATE SKIP LOCKED;
    IF FOUND THEN
      -- the head, then its followers up to the first that may not go yet
      FOR nxt IN
        SELECT d.org_id, d.id, d.next_attempt_at, d.lease_until, d.xid
          FROM webhook_deliveries d
         WHERE d.subscription_id = got.subscription_id AND d.org_id = got.org_id AND d.status = 'pending'
           AND (d.xid, d.id) >= (got.xid, got.id)
         ORDER BY d.xid, d.id LIMIT greatest(batch, 1)
      LOOP
        EXIT WHEN nxt.id <> got.id AND (nxt.xid >= horizon OR nxt.next_attempt_at > now()
                                        OR coalesce(nxt.lease_until > now(), false));
        UPDATE webhook_deliveries d SET lease_until = now() + make_interval(secs => lease_seconds)
         WHERE d.org_id = nxt.org_id AND d.id = nxt.id;
        org_id := nxt.org_id;
        delivery_id := nxt.id;
        RETURN NEXT;
      END LOOP;
      RETURN;
    END IF;
  END LOOP;
END
$$;

-- Leases given back unused (a batch stopped at a failure, or at shutdown): those deliveries
-- were not attempted and may be claimed again at once.
CREATE FUNCTION zsz_webhook_release(p_deliveries bigint[]) RETURNS void
  LANGUAGE sql
  BEGIN ATOMIC
    UPDATE webhook_deliveries SET lease_until = NULL
     WHERE org_id = zsz_current_org() AND id = ANY (p_deliveries) AND status = 'pending';
  END;

-- The outcome of an attempt (run in the delivery's tenant; counts it): delivered; or failed with
-- another attempt in retry_in seconds (NULL: no more: the delivery is failed). A failure
-- starts the subscription's failing_since; a success clears it. A delivery that fails for
-- good after the subscription has been failing for disable_after seconds with no success
-- disables the subscription (a change-log entry, action disable, says why). Returns the delivery's status, NULL when it is gone (deleted meanwhile).
CREATE FUNCTION zsz_webhook_record(p_delivery bigint, p_ok boolean, p_code integer, p_latency_ms integer,
                                   p_error text, p_retry_in double precision, p_disable_after double precision)
  RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  d webhook_deliveries;
  s webhook_subscriptions;
BEGIN
  -- This transaction's commit need not wait for the disk: lost in a crash, the outcome is
  -- decided again by another attempt (delivery is at least once; receivers deduplicate by
  -- webhook-id), and a disabling by the next failure.
  PERFORM set_config('synchronous_commit', 'off', true);
  UPDATE webhook_deliveries
     SET status = CASE WHEN p_ok THEN 'delivered' WHEN p_retry_in IS NULL THEN 'failed' ELSE 'pending' END,
         attempts = attempts + 1,
         last_response_code = p_code, last_latency_ms = p_latency_ms, last_error = p_error,
         last_attempt_at = now(), lease_until = NULL,
         next_attempt_at = CASE WHEN NOT p_ok AND p_retry_in IS NOT NULL
                                THEN now() + make_interval(secs => p_retry_in) ELSE next_attempt_at END,
         delivered_at = CASE WHEN p_ok THEN now() END
   WHERE id = p_delivery AND org_id = zsz_current_org()
  RETURNING * INTO d;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF p_ok THEN
    UPDATE webhook_subscriptions SET failing_since = NULL
     WHERE org_id = d.org_id AND id = d.subscription_id AND failing_since IS NOT NULL;
    RETURN d.status;
  END IF;
  UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, now())
   WHERE org_id = d.org_id AND id = d.subscription_id RETURNING * INTO s;
  -- disabled when a delivery fails for good while the subscription has been failing that long:
  -- the delivery ends failed first, never left pending behind a switched-off subscription
  IF s.active AND p_retry_in IS NULL AND s.failing_since <= now() - make_interval(secs => p_disable_after) THEN
    PERFORM set_config('zsz.action', 'disable', true);
    UPDATE webhook_subscriptions
       SET active = false, disabled_at = now(), updated_at = now(), revision = revision + 1,
           disabled_reason = format('every delivery failed since %s (last: %s)',
                                    to_char(s.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                    coalesce(p_error, 'HTTP ' || p_code))
     WHERE org_id = s.org_id AND id = s.id;
    PERFORM set_config('zsz.action', '', true);
  END IF;
  RETURN d.status;
END
$$;
