-- models: one row per training run (recdb train), the registry scoring and evaluation load models from.
CREATE SEQUENCE IF NOT EXISTS models_seq START 1;
CREATE TABLE models (
    model_id        INTEGER PRIMARY KEY DEFAULT nextval('models_seq'),
    created_at      TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    architecture    VARCHAR NOT NULL,
    config          JSON NOT NULL,
    load_id         INTEGER NOT NULL REFERENCES loads (load_id),
    split_id        VARCHAR NOT NULL REFERENCES splits (split_id),
    valid_mae       DOUBLE,
    valid_rmse      DOUBLE,
    valid_ndcg10    DOUBLE,
    test_mae        DOUBLE,
    test_rmse       DOUBLE,
    checkpoint_path VARCHAR,
    status          VARCHAR NOT NULL CHECK (status IN ('training', 'ready', 'failed')),
    test_ndcg10     DOUBLE,
    test_precision10 DOUBLE,
    epochs          INTEGER,
    finished_at     TIMESTAMP,
    message         VARCHAR
);
COMMENT ON TABLE models IS 'Trained models: configuration, data snapshot, split, metrics and checkpoint; scoring uses the newest ready one by default';
COMMENT ON COLUMN models.model_id IS 'Model number, increasing';
COMMENT ON COLUMN models.created_at IS 'Local time training started';
COMMENT ON COLUMN models.architecture IS 'hybrid (the personalised default: towers, dot product, biases, ranking head) or paper (the paper''s additive formula)';
COMMENT ON COLUMN models.config IS 'The model, train and feature settings the model was trained with';
COMMENT ON COLUMN models.load_id IS 'Data snapshot: the newest load when training started';
COMMENT ON COLUMN models.split_id IS 'The split trained (train), early-stopped (valid) and tested (test) on';
COMMENT ON COLUMN models.valid_mae IS 'Mean absolute error on the valid ratings at the best epoch';
COMMENT ON COLUMN models.valid_rmse IS 'Root mean squared error on the valid ratings at the best epoch';
COMMENT ON COLUMN models.valid_ndcg10 IS 'NDCG@10 on valid at the best epoch (relevant: valid ratings >= evaluate.relevance_threshold; candidates: movies not rated in train)';
COMMENT ON COLUMN models.test_mae IS 'Mean absolute error on the test ratings';
COMMENT ON COLUMN models.test_rmse IS 'Root mean squared error on the test ratings';
COMMENT ON COLUMN models.checkpoint_path IS 'The checkpoint file (torch.load(..., weights_only=True)); NULL until ready';
COMMENT ON COLUMN models.status IS 'training (running or crashed), ready (usable), failed (see message)';
COMMENT ON COLUMN models.test_ndcg10 IS 'NDCG@10 on test (relevant: test ratings >= threshold; candidates: movies not rated in train or valid)';
COMMENT ON COLUMN models.test_precision10 IS 'Precision@10 on test, same protocol as test_ndcg10';
COMMENT ON COLUMN models.epochs IS 'Epochs run (early stopping may end before train.epochs)';
COMMENT ON COLUMN models.finished_at IS 'Local time training finished or failed';
COMMENT ON COLUMN models.message IS 'Why training failed; NULL otherwise';
