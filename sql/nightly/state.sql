-- What the nightly job and `recdb status` read from the other stages' tables.
-- Callers check that each table exists first (recdb.nightly.records.relation_exists).

-- name: ready_model
-- The newest trained model that scoring would use (models.status = 'ready').
SELECT max(model_id) FROM models WHERE status = 'ready';

-- name: has_published_recommendations
-- Whether consumers are being served a run at all (latest_run is the pointer the view follows).
SELECT count(*) > 0 FROM latest_run;

-- name: published_run
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

-- name: split_train_size
-- Training ratings of the split a model was trained on (run_stages.rows of the train stage).
SELECT n_train FROM splits WHERE split_id = $split_id;
