"""What Citus needs of the schema to shard it by organisation (distribution column org_id;
docs/scaling.md), checked on the migrated test database (issue 15):

- every table is a tenant table (it has org_id) or one of the few global tables named below,
  each with the reason;
- on a tenant table, every primary key, unique constraint and unique index includes org_id;
- every foreign key between two tenant tables includes org_id on both sides, as the same
  column (org_id = org_id): a row never refers to another organisation's row, and the two
  rows live on the same shard.

A failure names the table and the constraint, so a table added by a later migration that
misses the rule is found at once."""

from .client import ApiTest, psql

# Tables that are not sharded by organisation, and why. In Citus: reference tables (copied to
# every node) or local tables of the coordinator.
GLOBAL_TABLES = {
    "organisations": "the tenants themselves (a reference table)",
    "schema_migrations": "the migrations applied (the coordinator's)",
    "public_rate_buckets": "the public rate limit by client address, not by organisation (unlogged)",
    "builtin_process_schemes": "the built-in process numbering schemes (krakow, lublin) an organisation's "
                               "own scheme is copied from when it is created: templates, no tenant's data "
                               "(a reference table)",
}
# Constraints that deliberately leave org_id out, and why.
EXEMPT = {
    ("survey_public_ids", "survey_public_ids_pkey"):
        "a public link names no organisation: public_id is unique across all of them, and this "
        "table routes it to its organisation (a reference table in Citus)",
}


def run(sql):
    cp = psql(sql)
    if cp.returncode != 0:
        raise RuntimeError(f"psql failed: {cp.stderr.strip()}")
    return cp.stdout


def rows(sql):
    """The rows of one query, fields split on tabs."""
    out = run("\\pset fieldsep '\\t'\n" + sql + ";")
    return [line.split("\t") for line in out.splitlines() if line.strip()]


TENANT = """EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = {rel} AND a.attname = 'org_id'
                   AND NOT a.attisdropped)"""


class CitusSchemaTest(ApiTest):
    def test_every_table_is_a_tenant_table_or_named_global(self):
        tables = rows(f"""
            SELECT c.relname, {TENANT.format(rel='c.oid')}
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1""")
        self.assertGreater(len(tables), 20)
        bad = [name for name, tenant in tables if tenant != "t" and name not in GLOBAL_TABLES]
        self.assertEqual(bad, [], "tables without org_id that are not named global (add org_id, or name the "
                                  "table in GLOBAL_TABLES with its reason)")
        for name in GLOBAL_TABLES:
            self.assertIn(name, [t for t, _ in tables], f"{name} is named global but does not exist")
        # org_id is a real tenant column: NOT NULL, bigint
        loose = rows("""
            SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attname = 'org_id'
              AND (NOT a.attnotnull OR a.atttypid <> 'bigint'::regtype) ORDER BY 1""")
        self.assertEqual(loose, [], "tenant tables whose org_id is nullable or not bigint")

    def test_every_key_and_unique_constraint_includes_org_id(self):
        found = rows(f"""
            SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'x') AND {TENANT.format(rel='c.oid')}
              AND NOT EXISTS (SELECT 1 FROM unnest(con.conkey) k
                              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k
                              WHERE a.attname = 'org_id')
            ORDER BY 1, 2""")
        bad = [f"{t}.{name}: {d}" for t, name, d in found if (t, name) not in EXEMPT]
        self.assertEqual(bad, [], "primary keys / unique constraints of tenant tables without org_id")

    def test_every_unique_index_includes_org_id(self):
        found = rows(f"""
            SELECT c.relname, i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND x.indisunique AND {TENANT.format(rel='c.oid')}
              AND NOT EXISTS (SELECT 1 FROM unnest(x.indkey) k
                              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k
                              WHERE a.attname = 'org_id')
            ORDER BY 1, 2""")
        bad = [f"{t}.{name}: {d}" for t, name, d in found if (t, name) not in EXEMPT]
        self.assertEqual(bad, [], "unique indexes of tenant tables without org_id")

    def test_every_foreign_key_between_tenant_tables_includes_org_id(self):
        found = rows(f"""
            SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND con.contype = 'f'
              AND {TENANT.format(rel='c.oid')} AND {TENANT.format(rel='con.confrelid')}
              AND NOT EXISTS (
                SELECT 1 FROM generate_subscripts(con.conkey, 1) i
                JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[i]
                JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = con.confkey[i]
                WHERE a.attname = 'org_id' AND b.attname = 'org_id')
            ORDER BY 1, 2""")
        bad = [f"{t}.{name}: {d}" for t, name, d in found if (t, name) not in EXEMPT]
        self.assertEqual(bad, [], "foreign keys between tenant tables that do not match org_id = org_id")

    def test_the_rules_catch_a_table_that_breaks_them(self):
        """The queries above, on a scratch table made to break each rule, find each break (so
        a later migration's mistake cannot pass unseen)."""
        run("""
            BEGIN;
            CREATE TABLE zz_citus_probe (id bigint PRIMARY KEY, org_id bigint NOT NULL,
                                         code text UNIQUE, process_id bigint);
            ALTER TABLE zz_citus_probe ADD CONSTRAINT zz_citus_probe_process_fkey
              FOREIGN KEY (org_id, process_id) REFERENCES processes (org_id, id);
            CREATE UNIQUE INDEX zz_citus_probe_code_idx ON zz_citus_probe (code, id);
            COMMIT;""")
        self.addCleanup(run, "DROP TABLE IF EXISTS zz_citus_probe")
        with self.assertRaises(AssertionError) as keys:
            self.test_every_key_and_unique_constraint_includes_org_id()
        self.assertIn("zz_citus_probe.zz_citus_probe_pkey", str(keys.exception))
        self.assertIn("zz_citus_probe.zz_citus_probe_code_key", str(keys.exception))
        with self.assertRaises(AssertionError) as idx:
            self.test_every_unique_index_includes_org_id()
        self.assertIn("zz_citus_probe.zz_citus_probe_code_idx", str(idx.exception))
        # a foreign key that pairs org_id with another column is no tenant match
        run("""ALTER TABLE zz_citus_probe DROP CONSTRAINT zz_citus_probe_process_fkey;
                ALTER TABLE zz_citus_probe ADD CONSTRAINT zz_citus_probe_process_fkey
                  FOREIGN KEY (process_id, org_id) REFERENCES processes (org_id, id);""")
        with self.assertRaises(AssertionError) as fks:
            self.test_every_foreign_key_between_tenant_tables_includes_org_id()
        self.assertIn("zz_citus_probe.zz_citus_probe_process_fkey", str(fks.exception))
