-- 0051, issue 16: an indicator's latest reading, the periods it has readings for, and what
-- follows from them without a date (attainment, health), kept on its row.
--
-- An indicator's computed state (zsz_indicator_calc, 0034) probes its readings twice: the
-- latest reading (period and value), and whether the last closed period has one (`stale`).
-- The indicator's GET ran at a quarter of the raw SELECT of its row (pgbench as zsz_app,
-- generic plans: 13,700 against 60,000 tps), the annual report probes twice per indicator.
-- Now the row keeps what the probes read, and what is computed from it alone:
--   latest_period, latest_value  the reading of the greatest period (zsz_indicator_calc's
--                                ORDER BY period DESC LIMIT 1), NULL without readings;
--   periods                      the periods it has readings for, in order;
--   attainment, health           generated from the targets and the kept reading, with
--                                zsz_attainment's and zsz_health's rules (zsz_attainment is
--                                now zsz_attainment_of over the row's columns: a generated
--                                column cannot read a whole row). Their numeric work was a
--                                third of the GET's statement, computed at every read.
-- zsz_indicator_kept(i, year) gives the same five values as zsz_indicator_calc from them,
-- with no probe; only `stale` is computed at read, from today's date (zsz_last_closed_period,
-- as before) against periods: nothing kept depends on the date.
-- A generated column is computed when its row is written: were zsz_attainment_of or zsz_health
-- ever replaced, a migration must rewrite the column (ALTER TABLE indicators ALTER COLUMN ...
-- SET EXPRESSION is PostgreSQL 17's; drop and add it).
--
-- zsz_indicator_calc stays the definition (the documents of zsz_indicator_json, the change
-- feed, the webhooks and the objectives' stored health, 0047, use it): tests/db/
-- test_objective_health.c checks that both give the same for every indicator after writes of
-- every kind, at dates years apart, and under two concurrent writers, and
-- tests/db/test_objective_render.c that the indicators' reads render as zsz_indicator_json.
--
-- Kept up to date by statement triggers on indicator_readings, in the writing transaction:
-- they lock the indicators concerned (FOR NO KEY UPDATE, in id order), then recompute them in a
-- second statement, whose snapshot (READ COMMITTED) is taken after the lock was granted, so a
-- concurrent writer's committed reading is seen (0047's and 0049's reason). The row is always
-- written, so that under REPEATABLE READ a second writer fails to serialise instead of keeping
-- a state computed without the first one's reading.
--
-- The objectives' stored health (0047) followed readings through triggers of their own. It now
-- follows them through this UPDATE of their indicators, whose statement trigger
-- (indicators_health_update) recomputes the objectives: readings -> indicators -> objectives,
-- each recomputed once per statement; the readings' own health triggers are dropped.
--
-- Not a change of the indicator: the change log's trigger leaves the five columns out (a
-- write of them alone logs nothing), the revision and updated_at are not touched, and the
-- imports' own log entries leave them out too (kind_objectives.c).

CREATE FUNCTION zsz_attainment_of(direction text, baseline numeric, target numeric, target_min numeric,
                                  target_max numeric, v numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN v IS NULL THEN NULL
    WHEN direction = 'range' THEN
      round(greatest(0, 100 - 100 * (CASE WHEN v < target_min THEN target_min - v
                                          WHEN v > target_max THEN v - target_max ELSE 0 END)
                                 / greatest(target_max - target_min, abs(target_min), 1)), 1)
    ELSE round(least(100, greatest(0, (v - baseline) / (target - baseline) * 100)), 1)
  END;

-- 0002's rule, now stated once (above)
CREATE OR REPLACE FUNCTION zsz_attainment(i indicators, v numeric) RETURNS numeric
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN zsz_attainment_of(i.direction, i.baseline, i.target, i.target_min, i.target_max, v);

ALTER TABLE indicators ADD COLUMN latest_period text, ADD COLUMN latest_value numeric,
  ADD COLUMN periods text[] NOT NULL DEFAULT '{}',
  ADD COLUMN attainment numeric GENERATED ALWAYS AS
    (zsz_attainment_of(direction, baseline, target, target_min, target_max, latest_value)) STORED,
  ADD COLUMN health text GENERATED ALWAYS AS
    (zsz_health(zsz_attainment_of(direction, baseline, target, target_min, target_max, latest_value),
                latest_period)) STORED;

DROP TRIGGER indicators_log ON indicators;
CREATE TRIGGER indicators_log AFTER INSERT OR UPDATE ON indicators
  FOR EACH ROW WHEN (NEW.import_id IS NULL OR NEW.import_id::text IS DISTINCT FROM current_setting('zsz.import_id', true))
  EXECUTE FUNCTION zsz_change_log_append('indicator', '', 'latest_period', 'latest_value', 'periods', 'attainment',
                                         'health');

-- Recompute the kept readings of the indicators named by (orgs[k], ids[k]); none when NULL.
CREATE FUNCTION zsz_indicator_readings_refresh(orgs bigint[], ids bigint[]) RETURNS void
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF orgs IS NULL THEN
    RETURN;
  END IF;
  PERFORM 1 FROM indicators i JOIN unnest(orgs, ids) AS k(org_id, id) ON i.org_id = k.org_id AND i.id = k.id
    ORDER BY i.id FOR NO KEY UPDATE OF i;
  UPDATE indicators i SET latest_period = l.period, latest_value = l.value,
         periods = ARRAY(SELECT r.period FROM indicator_readings r
                         WHERE r.org_id = i.org_id AND r.indicator_id = i.id ORDER BY r.period)
    FROM (SELECT DISTINCT k.org_id, k.id FROM unnest(orgs, ids) AS k(org_id, id)) AS k
    LEFT JOIN LATERAL (SELECT r.period, r.value FROM indicator_readings r
                       WHERE r.org_id = k.org_id AND r.indicator_id = k.id
                       ORDER BY r.period DESC LIMIT 1) AS l ON true
    WHERE i.org_id = k.org_id AND i.id = k.id;
END
$$;

CREATE FUNCTION zsz_indicator_readings_kept() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM zsz_indicator_readings_refresh(array_agg(r.org_id), array_agg(r.indicator_id))
    FROM (SELECT DISTINCT n.org_id, n.indicator_id FROM new_rows n) r;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM zsz_indicator_readings_refresh(array_agg(r.org_id), array_agg(r.indicator_id))
    FROM (SELECT n.org_id, n.indicator_id FROM new_rows n UNION SELECT d.org_id, d.indicator_id FROM old_rows d) r;
  ELSE
    PERFORM zsz_indicator_readings_refresh(array_agg(r.org_id), array_agg(r.indicator_id))
    FROM (SELECT DISTINCT d.org_id, d.indicator_id FROM old_rows d) r;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER indicator_readings_health_insert ON indicator_readings;
DROP TRIGGER indicator_readings_health_update ON indicator_readings;
DROP TRIGGER indicator_readings_health_delete ON indicator_readings;
DROP FUNCTION zsz_objective_health_on_readings();

CREATE TRIGGER indicator_readings_kept_insert AFTER INSERT ON indicator_readings
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_indicator_readings_kept();
CREATE TRIGGER indicator_readings_kept_update AFTER UPDATE ON indicator_readings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_indicator_readings_kept();
CREATE TRIGGER indicator_readings_kept_delete AFTER DELETE ON indicator_readings
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION zsz_indicator_readings_kept();

-- zsz_indicator_calc's five values from the kept ones (inlined like it: a SQL function of one
-- SELECT). `stale`: the last closed period has no reading, false when none has closed. The
-- period is named once (inlined, a name used twice is computed twice; a LATERAL subquery naming
-- it cost a quarter of the indicator's GET): none ('') is made a member of the periods, and a
-- label is never ''. (NULL = ANY of an empty array is false, not NULL: no coalesce will do.)
CREATE FUNCTION zsz_indicator_kept(i indicators, y integer)
  RETURNS TABLE (latest_period text, latest_value numeric, attainment numeric, stale boolean, health text)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT i.latest_period, i.latest_value, i.attainment,
         NOT (coalesce(zsz_last_closed_period(i.frequency, y, zsz_today()), '') = ANY ('{""}'::text[] || i.periods)),
         i.health;
END;

-- The indicators there are (the log's trigger already leaves the columns out; the objectives'
-- health does not change: the same readings).
UPDATE indicators i SET latest_period = l.period, latest_value = l.value,
       periods = ARRAY(SELECT r.period FROM indicator_readings r
                       WHERE r.org_id = i.org_id AND r.indicator_id = i.id ORDER BY r.period)
  FROM indicators x
  LEFT JOIN LATERAL (SELECT r.period, r.value FROM indicator_readings r
                     WHERE r.org_id = x.org_id AND r.indicator_id = x.id
                     ORDER BY r.period DESC LIMIT 1) AS l ON true
  WHERE x.org_id = i.org_id AND x.id = i.id AND EXISTS (SELECT 1 FROM indicator_readings r
                                                        WHERE r.org_id = i.org_id AND r.indicator_id = i.id);
