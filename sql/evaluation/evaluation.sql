-- Queries of recdb.evaluation: reading a split's ratings and a model's history, publishing results.

-- name: split_info^
SELECT split_id, kind, seed, test_fraction, valid_fraction, n_train, n_valid, n_test
FROM splits
WHERE split_id = ?;

-- name: split_ratings
-- Every rating of the split with its part; the model trains on train, baselines fit on train+valid.
SELECT s.user_id, s.movie_id, r.rating, s.part
FROM split_ratings AS s
JOIN ratings AS r USING (user_id, movie_id)
WHERE s.split_id = ?
ORDER BY s.user_id, s.movie_id;

-- name: training_history
SELECT epoch, train_loss, valid_mae, valid_rmse
FROM training_history
WHERE model_id = ?
ORDER BY epoch;

-- name: next_eval_id$
SELECT nextval('evaluation_runs_seq');

-- name: insert_run!
INSERT INTO evaluation_runs (eval_id, created_at, model_ids, split_ids, baselines_only, methods, report_dir, seconds)
VALUES ($eval_id, $created_at, $model_ids, $split_ids, $baselines_only, $methods, $report_dir, $seconds);

-- name: insert_metrics!
-- eval_metrics is the run's Polars metrics frame, registered on the connection for this statement.
INSERT INTO evaluations (eval_id, created_at, model_id, method, split_id, metric, k, value)
SELECT $eval_id, $created_at, model_id, method, split_id, metric, k, value
FROM eval_metrics;

-- name: insert_claims!
-- eval_claims is the run's claims frame, registered on the connection for this statement.
INSERT INTO evaluation_claims (eval_id, claim, method, verdict, detail)
SELECT $eval_id, claim, method, verdict, detail
FROM eval_claims;
