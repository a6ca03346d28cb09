-- 0023: the directory's process scheme (0017) under the rules 0019 set for sharding by
-- organisation (tests/api/test_citus_schema.py): its change-log id is unique within its
-- organisation, not across them. (0017 and 0019 were written side by side.)
ALTER TABLE process_schemes DROP CONSTRAINT process_schemes_id_key;
ALTER TABLE process_schemes ADD CONSTRAINT process_schemes_org_id_id_key UNIQUE (org_id, id);
