-- What the nightly job and `recdb status` read from the other stages' tables.
-- Callers check that each table exists first (recdb.nightly.records.relation_exists).

-- name: ready_model$
-- The newest trained model of the current data set (models.status = 'ready', trained at or after the newest
-- initial or replace load): after `load --replace` the old data set's model names other users and movies,
-- so it can neither make the data look current nor seed a warm start.
-- Split-trained models only, never one the gate rejected: a refit has seen the test ratings, and warm-
-- starting the next evaluated model from it would leak them into that model's test figures.
SELECT max(model_id) FROM models
WHERE status = 'ready'
  AND coalesce(trained_on, 'split') <> 'all'
  AND coalesce(gate, '') <> 'rejected'
  AND coalesce(load_id, 0) >= (SELECT coalesce(max(load_id), 0) FROM loads WHERE action IN ('initial', 'replace'));

-- name: has_published_recommendations$
-- Whether consumers are being served a run of the current data set (served_run: the pointer the view
-- follows, hidden when the run was scored on a data set a replace load has since swapped out).
SELECT count(*) > 0 FROM served_run;

-- name: served_run_id^
-- The published run when it belongs to the current data set (no row after a replace load).
SELECT run_id FROM served_run;

-- name: data_set_start^
-- The load that started the data set in the database (the newest initial or replace load).
SELECT load_id, action
FROM loads
WHERE action IN ('initial', 'replace')
ORDER BY load_id DESC
LIMIT 1;

-- name: needed_checkpoints
-- The checkpoints the published recommendations depend on: the served run's model (recdb predict
-- loads it) and the model $model_id (the newest ready one: the next score and a warm start load it).
SELECT model_id, checkpoint_path
FROM models
WHERE model_id = $model_id OR model_id IN (SELECT model_id FROM served_run)
ORDER BY model_id;

-- name: published_run^
-- The run consumers are served, and how old it is in hours (TIMESTAMPTZ: an instant, so the age is the same in every time zone).
SELECT l.run_id,
       s.model_id,
       s.load_id,
       s.k,
       s.users,
       s.rows,
       l.published_at,
       date_diff('second', l.published_at, now()) / 3600.0 AS age_hours
FROM latest_run AS l
JOIN score_runs AS s ON s.run_id = l.run_id;

-- name: split_train_size$
-- Training ratings of the split a model was trained on (run_stages.rows of the train stage).
SELECT n_train FROM splits WHERE split_id = $split_id;
