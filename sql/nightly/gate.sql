-- The gate before publishing (recdb/nightly/gate.py) and the refit's lineage as the nightly reads it.

-- name: gate_baseline^
-- The evaluated model behind the served lists: the served model itself when it was split-trained, the
-- model a refit reused otherwise (a refit trained on every rating, today's test part included).
SELECT coalesce(m.evaluated_model_id, m.model_id) AS model_id, s.model_id AS served_model_id
FROM served_run AS s
JOIN models AS m ON m.model_id = s.model_id;

-- name: gate_model^
-- What the gate needs to know of a model it is asked to measure.
SELECT model_id, split_id, coalesce(trained_on, 'split') AS trained_on, status
FROM models WHERE model_id = $model_id;

-- name: gate_seen_test_ratings$
-- Ratings of split $split_id's test part that model's split $trained_split_id fed to training or model
-- selection: every part for a refit (trained_on 'all'), train and valid otherwise. Must be 0 for a fair gate.
SELECT count(*)
FROM split_ratings AS t
JOIN split_ratings AS b ON b.user_id = t.user_id AND b.movie_id = t.movie_id
WHERE t.split_id = $split_id AND t.part = 'test'
  AND b.split_id = $trained_split_id
  AND ($trained_on = 'all' OR b.part <> 'test');

-- name: insert_gate_decision!
INSERT INTO gate_decisions (run_id, model_id, baseline_model_id, split_id, decision, tolerance, metrics, reason, seconds)
VALUES ($run_id, $model_id, $baseline_model_id, $split_id, $decision, $tolerance, $metrics, $reason, $seconds);

-- name: set_model_gate!
-- The verdict on the evaluated model and on every refit of it.
UPDATE models SET gate = $gate WHERE model_id = $model_id OR evaluated_model_id = $model_id;

-- name: last_gate_decision^
SELECT run_id, decided_at, model_id, baseline_model_id, decision, metrics, reason
FROM gate_decisions
ORDER BY decided_at DESC, run_id DESC
LIMIT 1;

-- name: served_model^
-- The model behind the served lists, what it trained on, and its evaluated model's test figures.
SELECT m.model_id, coalesce(m.trained_on, 'split') AS trained_on, m.n_train_ratings,
       e.model_id AS evaluated_model_id, e.n_train_ratings AS evaluated_n_train_ratings,
       e.test_mae, e.test_rmse, e.test_ndcg10, e.test_precision10
FROM served_run AS s
JOIN models AS m ON m.model_id = s.model_id
JOIN models AS e ON e.model_id = coalesce(m.evaluated_model_id, m.model_id);
