-- Run records of `recdb nightly`: each statement runs in its own short transaction (recdb.nightly.records).

-- name: running_runs
-- Runs still 'running'. Read before abandon_running_runs because DuckDB turns an UPDATE ... RETURNING
-- on a table that run_stages references into delete + insert, which the foreign key refuses.
SELECT run_id, pid, host FROM runs WHERE status = 'running' ORDER BY run_id;

-- name: abandon_running_runs!
-- A run still 'running' when a new one holds the job lock died without finishing (kill -9, power loss).
UPDATE runs
SET status = 'abandoned', error = $reason
WHERE status = 'running';

-- name: abandon_running_stages!
-- Every stage row still 'running' belongs to a dead run (runs abandoned just now, or a failed run that
-- could not mark its stage, e.g. on a full disk): run at every start, not only when a run is abandoned.
UPDATE run_stages
SET status = 'abandoned', error = coalesce(error, $reason)
WHERE status = 'running';

-- name: fail_running_stages!
-- A run that fails marks its stage that was still 'running' (its own record of the failure may not
-- have been written, or the failure came between two stages' records).
UPDATE run_stages
SET status = 'failed', finished_at = now(), error = coalesce(error, $error)
WHERE run_id = $run_id AND status = 'running';

-- name: training_models
-- Models still 'training' when a nightly holds the job lock: every training (recdb train, nightly)
-- holds that lock, so these were left by a process that died (kill -9, the OOM killer).
SELECT model_id FROM models WHERE status = 'training' ORDER BY model_id;

-- name: abandon_training_models!
UPDATE models
SET status = 'failed', message = $reason, finished_at = now()
WHERE status = 'training';

-- name: insert_run$
INSERT INTO runs (started_at, status, trigger, forced, command, host, pid)
VALUES (now(), 'running', $trigger, $forced, $command, $host, $pid)
RETURNING run_id;

-- name: update_run_ids!
UPDATE runs
SET load_id = coalesce($load_id, load_id),
    data_load_id = coalesce($data_load_id, data_load_id),
    model_id = coalesce($model_id, model_id),
    score_run_id = coalesce($score_run_id, score_run_id),
    eval_id = coalesce($eval_id, eval_id)
WHERE run_id = $run_id;

-- name: finish_run!
UPDATE runs
SET status = $status, finished_at = now(), exit_code = $exit_code, error = $error
WHERE run_id = $run_id;

-- name: start_stage!
INSERT INTO run_stages (run_id, stage, started_at, status)
VALUES ($run_id, $stage, now(), 'running');

-- name: skip_stage!
INSERT INTO run_stages (run_id, stage, started_at, finished_at, seconds, status, metrics)
VALUES ($run_id, $stage, now(), now(), 0, 'skipped', $metrics);

-- name: finish_stage!
UPDATE run_stages
SET status = $status, finished_at = now(), seconds = $seconds,
    rows = $rows, metrics = $metrics, error = $error
WHERE run_id = $run_id AND stage = $stage;

-- name: previous_run^
-- The newest run that ended before this one (abandoned runs count: they did not publish).
SELECT run_id, status, data_load_id, model_id, score_run_id
FROM runs
WHERE run_id < $run_id AND status <> 'running'
ORDER BY run_id DESC
LIMIT 1;

-- name: newest_load_id$
-- The newest load that changed the data (an 'unchanged' load adds nothing to train on).
SELECT max(load_id) FROM loads WHERE action <> 'unchanged';

-- name: table_exists$
SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = $name AND schema_name = 'main';

-- name: view_exists$
SELECT count(*) > 0 FROM duckdb_views() WHERE view_name = $name AND schema_name = 'main';

-- name: set_stage_engine!
-- The compute engine and worker count a stage runs on (migration 0140).
UPDATE run_stages
SET engine = $engine, workers = $workers
WHERE run_id = $run_id AND stage = $stage;
