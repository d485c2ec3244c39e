-- Queries the compute-engine tests check the database with (tests/compute/ray_support.py: query).

-- name: lists
SELECT user_id, rank, movie_id, predicted_rating
FROM recommendations
WHERE run_id = $run_id
ORDER BY user_id, rank;

-- name: served
SELECT max(run_id) FROM latest_run;

-- name: users
SELECT count(*) FROM users;

-- name: newest_run
-- The served model is the refit; its evaluated (split-trained) model holds the epochs and test figures.
SELECT r.run_id, coalesce(m.evaluated_model_id, r.model_id), r.score_run_id, r.model_id
FROM runs r JOIN models m USING (model_id) ORDER BY r.run_id DESC LIMIT 1;

-- name: stage_engines
SELECT stage, engine, workers FROM run_stages WHERE run_id = $run_id;

-- name: history_rows
SELECT count(*) FROM training_history WHERE model_id = $model_id;

-- name: ready_rmse
SELECT model_id, test_rmse FROM models WHERE status = 'ready';
