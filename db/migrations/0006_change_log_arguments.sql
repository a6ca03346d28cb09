-- The change-log trigger learns each table's particulars from its arguments instead of a
-- list of special cases: migrations 0002-0004 each had to replace the whole function to add
-- one. Arguments: the entity name; then, optionally, the record key columns joined by '/'
-- ('' for the default: id, else sub, else process_id); then the columns the log leaves out
-- (generated search text; counters whose movement would itself be a record, such as when
-- each anonymous survey response arrived). What is logged does not change.
CREATE OR REPLACE FUNCTION zsz_change_log_append() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  hidden text[] := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2:TG_NARGS - 1] ELSE '{}'::text[] END;
  new_doc jsonb := to_jsonb(NEW) - 'org_id' - hidden;
  old_doc jsonb;
  rec_id text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    old_doc := to_jsonb(OLD) - 'org_id' - hidden;
    IF old_doc = new_doc THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_NARGS > 1 AND TG_ARGV[1] <> '' THEN
    SELECT string_agg(new_doc ->> k, '/' ORDER BY n) INTO rec_id
    FROM unnest(string_to_array(TG_ARGV[1], '/')) WITH ORDINALITY AS key(k, n);
  ELSE
    rec_id := coalesce(new_doc ->> 'id', new_doc ->> 'sub', new_doc ->> 'process_id');
  END IF;
  -- Serialise log appends per organisation until commit, so that ids inside one
  -- organisation are handed out in commit order: a feed reader using after=<id> never
  -- skips a row that commits later with a smaller id.
  PERFORM pg_advisory_xact_lock(738100, NEW.org_id::integer);
  INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after)
  VALUES (NEW.org_id, TG_ARGV[0], rec_id,
          coalesce(nullif(current_setting('zsz.action', true), ''),
                   CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
          coalesce(nullif(current_setting('zsz.actor', true), ''), 'system:' || current_user),
          old_doc, new_doc);
  RETURN NULL;
END
$$;

DROP TRIGGER org_units_log ON org_units;
CREATE TRIGGER org_units_log AFTER INSERT OR UPDATE ON org_units
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('org_unit', '', 'search');
DROP TRIGGER processes_log ON processes;
CREATE TRIGGER processes_log AFTER INSERT OR UPDATE ON processes
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('process', '', 'search');
DROP TRIGGER users_log ON users;
CREATE TRIGGER users_log AFTER UPDATE OF unit_id ON users
  FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id)
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search');
DROP TRIGGER indicator_readings_log ON indicator_readings;
CREATE TRIGGER indicator_readings_log AFTER INSERT OR UPDATE ON indicator_readings
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('indicator_reading', 'indicator_id/period');
DROP TRIGGER deadline_rules_log ON deadline_rules;
CREATE TRIGGER deadline_rules_log AFTER INSERT OR UPDATE ON deadline_rules
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('deadline_rule', 'rule');
DROP TRIGGER surveys_log ON surveys;
CREATE TRIGGER surveys_log AFTER INSERT OR UPDATE ON surveys
  FOR EACH ROW EXECUTE FUNCTION zsz_change_log_append('survey', '', 'response_count');
