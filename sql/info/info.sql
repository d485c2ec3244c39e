-- recdb info: what the database holds.

-- name: list_tables
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
ORDER BY table_name;

-- name: count_rows$
SELECT count(*) FROM query_table($table);

-- name: datasets
SELECT dataset,
       arg_max(release, load_id) AS release,
       count(*) AS loads,
       max(finished_at) AS last_loaded_at,
       max(load_id) = (SELECT max(load_id) FROM loads) AS current
FROM loads
GROUP BY dataset
ORDER BY max(load_id) DESC;

-- name: load_history
SELECT load_id, dataset, release, action, ratings_added, ratings_total, users_total, movies_total, tags_total,
       started_at, round(epoch(finished_at - started_at), 2) AS seconds, source
FROM loads
ORDER BY load_id DESC
LIMIT $limit;


-- name: verify_table
-- Reads every value of the table, so DuckDB checks the checksum of each block it is stored in.
SELECT bit_xor(hash(COLUMNS(*))) FROM query_table($table);
