-- Bookkeeping for schema migrations (sql/schema/NNNN_*.sql, one file per table or view).

-- name: has_schema_migrations$
SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_migrations';

-- name: create_schema_migrations!
CREATE TABLE schema_migrations (
    version    VARCHAR PRIMARY KEY,
    checksum   VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- name: applied_versions
SELECT version FROM schema_migrations ORDER BY version;

-- name: record_migration!
INSERT INTO schema_migrations (version, checksum) VALUES (?, ?);

-- name: comment_schema_migrations!
COMMENT ON TABLE schema_migrations IS 'Schema migrations (sql/schema/NNNN_*.sql) applied to this database, applied on every read-write open';
COMMENT ON COLUMN schema_migrations.version IS 'Migration file name without .sql, e.g. 0003_movies';
COMMENT ON COLUMN schema_migrations.checksum IS 'SHA-256 of the migration file text when it was applied';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When (UTC instant, TIMESTAMPTZ) the migration was applied';

-- name: count_foreign_relations$
-- Tables and views of this database other than schema_migrations: a file that has some but no
-- schema_migrations belongs to another application, and recdb must not migrate it.
SELECT (SELECT count(*) FROM duckdb_tables()
        WHERE database_name = current_database() AND NOT temporary AND table_name <> 'schema_migrations')
     + (SELECT count(*) FROM duckdb_views()
        WHERE database_name = current_database() AND NOT temporary AND NOT internal);

-- name: database_file$
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
