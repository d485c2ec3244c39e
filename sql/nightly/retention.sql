-- Retention at the end of a successful nightly (recdb.nightly.retention): what is old enough to delete.

-- name: expired_checkpoints
-- Ready models whose checkpoint is still on disk, beyond the newest $keep of them. Never the model of the
-- published run (recdb predict loads it; latest_run, not served_run: keep more rather than less) nor the
-- newest ready model (the next score and a warm start load it).
WITH on_disk AS (
    SELECT model_id, checkpoint_path
    FROM models
    WHERE status = 'ready' AND checkpoint_path IS NOT NULL AND checkpoint_deleted_at IS NULL
)
SELECT model_id, checkpoint_path
FROM on_disk
WHERE model_id NOT IN (SELECT model_id FROM on_disk ORDER BY model_id DESC LIMIT $keep)
  AND model_id NOT IN (
      SELECT s.model_id
      FROM latest_run AS l
      JOIN score_runs AS s ON s.run_id = l.run_id
      WHERE s.model_id IS NOT NULL
      UNION ALL
      -- the served refit's evaluated model: the gate measures it against the next night's model
      SELECT m.evaluated_model_id
      FROM latest_run AS l
      JOIN score_runs AS s ON s.run_id = l.run_id
      JOIN models AS m ON m.model_id = s.model_id
      WHERE m.evaluated_model_id IS NOT NULL
  )
  AND model_id < (SELECT max(model_id) FROM models WHERE status = 'ready')
ORDER BY model_id;

-- name: mark_checkpoints_deleted!
UPDATE models
SET checkpoint_deleted_at = now()
WHERE list_contains($model_ids, model_id);

-- name: expired_reports
-- Evaluation runs beyond the newest $keep: their report folders go (the evaluation_runs row stays).
SELECT eval_id, report_dir
FROM evaluation_runs
WHERE eval_id NOT IN (SELECT eval_id FROM evaluation_runs ORDER BY eval_id DESC LIMIT $keep)
ORDER BY eval_id;

-- name: expired_evaluations^
-- The metric rows of evaluation runs beyond the newest $keep (first and last run, rows).
SELECT min(eval_id), max(eval_id), count(*)
FROM evaluations
WHERE eval_id NOT IN (SELECT eval_id FROM evaluation_runs ORDER BY eval_id DESC LIMIT $keep);

-- name: delete_expired_evaluations!
-- Only the metric rows: evaluation_runs (what was evaluated, where the report was) and the claims'
-- verdicts are a few rows per run and stay as the history.
DELETE FROM evaluations
WHERE eval_id NOT IN (SELECT eval_id FROM evaluation_runs ORDER BY eval_id DESC LIMIT $keep);
