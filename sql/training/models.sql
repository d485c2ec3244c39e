-- The model registry (models) and training curves (training_history).

-- name: latest_load$
SELECT max(load_id) FROM loads;

-- name: insert_model$
INSERT INTO models (architecture, config, load_id, split_id, status)
VALUES ($architecture, $config, $load_id, $split_id, 'training')
RETURNING model_id;

-- name: finish_model!
UPDATE models
SET status = 'ready', valid_mae = $valid_mae, valid_rmse = $valid_rmse, valid_ndcg10 = $valid_ndcg10,
    test_mae = $test_mae, test_rmse = $test_rmse, test_ndcg10 = $test_ndcg10,
    test_precision10 = $test_precision10, epochs = $epochs, checkpoint_path = $checkpoint_path,
    rank_blend = $rank_blend, item_blend = $item_blend, rating_blend = $rating_blend, finished_at = now()
WHERE model_id = $model_id;

-- name: fail_model!
UPDATE models
SET status = 'failed', message = $message, finished_at = now()
WHERE model_id = $model_id;

-- name: insert_history!
-- history: a frame (epoch, train_loss, valid_mae, valid_rmse, valid_ndcg10, seconds) registered for this insert.
INSERT INTO training_history (model_id, epoch, train_loss, valid_mae, valid_rmse, valid_ndcg10, seconds)
SELECT $model_id, epoch, train_loss, valid_mae, valid_rmse, valid_ndcg10, seconds FROM history;

-- name: model_by_id^
SELECT model_id, architecture, split_id, load_id, checkpoint_path, status
FROM models WHERE model_id = $model_id;

-- name: newest_ready_model^
SELECT model_id, architecture, split_id, load_id, checkpoint_path, status
FROM models WHERE status = 'ready' AND coalesce(gate, '') <> 'rejected'
ORDER BY model_id DESC
LIMIT 1;

-- name: set_model_lineage!
UPDATE models
SET trained_on = $trained_on, evaluated_model_id = $evaluated_model_id,
    n_train_ratings = $n_train_ratings, best_epoch = $best_epoch
WHERE model_id = $model_id;

-- name: refit_source^
-- The evaluated model a refit reuses: its split, data snapshot, best epoch, γ, w, α and whether it may be refit.
SELECT model_id, architecture, split_id, load_id, coalesce(best_epoch, epochs) AS best_epoch, rank_blend,
       status, coalesce(trained_on, 'split') AS trained_on, item_blend, rating_blend
FROM models WHERE model_id = $model_id;

-- name: newest_evaluated_model$
-- The newest ready split-trained model (what `recdb evaluate` measures by default: never a refit).
SELECT max(model_id) FROM models
WHERE status = 'ready' AND coalesce(trained_on, 'split') <> 'all' AND coalesce(gate, '') <> 'rejected';

-- name: refit_lineage^
SELECT coalesce(trained_on, 'split') AS trained_on, evaluated_model_id FROM models WHERE model_id = $model_id;

-- name: inherit_gate!
-- A refit carries its evaluated model's gate verdict (models.gate: the gate judged that model).
UPDATE models
SET gate = (SELECT e.gate FROM models AS e WHERE e.model_id = $evaluated_model_id)
WHERE model_id = $model_id;
