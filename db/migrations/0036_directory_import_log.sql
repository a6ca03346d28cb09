-- 0036: the directory's users import logs its users set-based (issue 10).
--
-- The users import writes 1,000 users per statement (directory_q_users_put_batch), but each
-- user was still logged by the row triggers of 0030: a PL/pgSQL call and an INSERT into the
-- change log per user, each INSERT a statement of its own for the change log's statement
-- triggers (the feed's NOTIFY, the webhooks' outbox). The batch's statement now writes the
-- entries itself, as the other imports do (0018, 0029), while the setting zsz.users_batch is
-- on: the triggers stand aside for exactly that statement. The entries are the ones the
-- triggers would write: record_id the sub, action create or update (or the transaction's
-- zsz.action), before and after without org_id, search, last_seen_at, revision, updated_at.
DROP TRIGGER users_log ON users;
CREATE TRIGGER users_log AFTER UPDATE ON users
  FOR EACH ROW WHEN ((OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.email IS DISTINCT FROM NEW.email
                      OR OLD.active <> NEW.active OR OLD.directory <> NEW.directory
                      OR OLD.roles IS DISTINCT FROM NEW.roles
                      OR (NEW.directory AND OLD.name <> NEW.name))
                     AND current_setting('zsz.users_batch', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'revision', 'updated_at');
DROP TRIGGER users_log_insert ON users;
CREATE TRIGGER users_log_insert AFTER INSERT ON users
  FOR EACH ROW WHEN (NEW.directory AND current_setting('zsz.users_batch', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION zsz_change_log_append('user', '', 'search', 'last_seen_at', 'revision', 'updated_at');
