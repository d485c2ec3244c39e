-- Per-connection settings applied by recdb.db.connection.connect.

-- name: no_progress_bar
SET enable_progress_bar = false;

-- name: begin
BEGIN TRANSACTION;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;

-- name: database_size
-- Blocks in use according to the file's header: the file must be at least that long (free blocks
-- at its end may have been cut off, so total_blocks is no bound).
SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database();
