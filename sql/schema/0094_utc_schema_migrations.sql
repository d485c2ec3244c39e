-- schema_migrations.applied_at in UTC: local TIMESTAMP (current_localtimestamp()) becomes TIMESTAMPTZ
-- written with now(). Nothing references the table, so the column is altered in place (databases created
-- since sql/migrations.sql says TIMESTAMPTZ already have it; the cast changes nothing there). Existing
-- values: the zone they were written in is not recorded; they are read in the session's time zone at
-- migration time (recdb migrates before it switches the session to UTC), the best available assumption.
ALTER TABLE schema_migrations ALTER COLUMN applied_at TYPE TIMESTAMPTZ USING applied_at::TIMESTAMPTZ;
ALTER TABLE schema_migrations ALTER COLUMN applied_at SET DEFAULT now();
COMMENT ON COLUMN schema_migrations.applied_at IS 'When (UTC instant, TIMESTAMPTZ) the migration was applied';
