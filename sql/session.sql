-- Per-connection settings applied by recdb.db.connection.connect.

-- name: no_progress_bar!
SET enable_progress_bar = false;

-- name: utc!
-- Every recdb connection reads and compares times in UTC: TIMESTAMPTZ values come back as UTC-aware
-- datetimes (Python, Polars) whatever TZ the reader runs under, and a TIMESTAMPTZ -> TIMESTAMP cast
-- gives UTC wall-clock time.
SET SESSION TimeZone = 'UTC';

-- name: local_zone!
-- Back to the process's own zone (TZ), for migrations only: 0090-0094 read the old local timestamps
-- in the zone they were most likely written in.
RESET SESSION TimeZone;

-- name: database_size^
-- Blocks in use according to the file's header: the file must be at least that long (free blocks
-- at its end may have been cut off, so total_blocks is no bound).
SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database();
