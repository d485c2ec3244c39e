-- The storage format of the database file: `recdb db upgrade-format` (recdb.db.format) rewrites the file
-- into database.storage_compatibility through a copy it checks before renaming it over the original.

-- name: checkpoint!
-- Folds the write-ahead log into the file, so the copy below reads everything and no .wal is left
-- beside a file that the rename replaces.
CHECKPOINT;

-- name: attach_source!
ATTACH $path AS src (READ_ONLY);

-- name: attach_target!
ATTACH $path AS dst (STORAGE_VERSION $version);

-- name: copy_database!
-- Tables with their constraints, views, sequences (at their current values) and comments.
COPY FROM DATABASE src TO dst;

-- name: detach_both!
DETACH src;
DETACH dst;

-- name: tables_of
SELECT table_name
FROM duckdb_tables()
WHERE database_name = $database AND schema_name = 'main' AND NOT temporary
ORDER BY table_name;

-- name: objects_of^
-- What the copy must carry over besides the rows: views, sequences and comments.
SELECT (SELECT count(*) FROM duckdb_views() WHERE database_name = $database AND NOT internal) AS views,
       (SELECT count(*) FROM duckdb_sequences() WHERE database_name = $database) AS sequences,
       (SELECT count(*) FROM duckdb_columns() WHERE database_name = $database AND comment IS NOT NULL)
     + (SELECT count(*) FROM duckdb_tables() WHERE database_name = $database AND comment IS NOT NULL)
     + (SELECT count(*) FROM duckdb_views() WHERE database_name = $database AND comment IS NOT NULL)
       AS comments;

-- name: count_rows_in$
SELECT count(*) FROM query_table($table);
