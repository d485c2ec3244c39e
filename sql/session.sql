-- Per-connection settings applied by recdb.db.connection.connect.

-- name: no_progress_bar
SET enable_progress_bar = false;

-- name: begin
BEGIN TRANSACTION;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;
