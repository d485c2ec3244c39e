-- `recdb status`: the last nightly runs and their stages (read-only).

-- name: recent_runs
SELECT run_id,
       started_at,
       finished_at,
       status,
       trigger,
       forced,
       host,
       pid,
       load_id,
       data_load_id,
       model_id,
       score_run_id,
       eval_id,
       exit_code,
       error,
       date_diff('millisecond', started_at, coalesce(finished_at, now())) / 1000.0 AS seconds
FROM runs
ORDER BY run_id DESC
LIMIT $limit;

-- name: stages_of_runs
SELECT run_id, stage, status, started_at, finished_at, seconds, rows, metrics, error
FROM run_stages
WHERE run_id >= $min_run_id
ORDER BY run_id DESC, list_position(['load', 'train', 'score', 'evaluate'], stage);

-- name: last_success^
-- The newest run that left current recommendations behind (succeeded, or skipped because they were current).
SELECT run_id,
       status,
       finished_at,
       date_diff('second', finished_at, now()) / 3600.0 AS age_hours
FROM runs
WHERE status IN ('succeeded', 'skipped')
ORDER BY run_id DESC
LIMIT 1;

-- name: last_trained_metrics
-- Metrics of the newest run that trained and evaluated (a skipped run has none of its own).
SELECT s.run_id, s.stage, s.metrics
FROM run_stages AS s
WHERE s.status = 'succeeded' AND s.stage IN ('train', 'evaluate')
  AND s.run_id = (SELECT max(run_id) FROM run_stages WHERE stage = 'train' AND status = 'succeeded');
