-- training_history: one row per epoch of each training run (the paper's Fig. 3 and 4).
CREATE TABLE training_history (
    model_id     INTEGER NOT NULL REFERENCES models (model_id),
    epoch        INTEGER NOT NULL,
    train_loss   DOUBLE NOT NULL,
    valid_mae    DOUBLE NOT NULL,
    valid_rmse   DOUBLE NOT NULL,
    valid_ndcg10 DOUBLE,
    seconds      DOUBLE NOT NULL,
    PRIMARY KEY (model_id, epoch)
);
COMMENT ON TABLE training_history IS 'Per-epoch training curve of every model (models.model_id)';
COMMENT ON COLUMN training_history.model_id IS 'The model (models.model_id)';
COMMENT ON COLUMN training_history.epoch IS 'Epoch number, from 1';
COMMENT ON COLUMN training_history.train_loss IS 'Mean training loss of the epoch (MSE, plus rank_weight times the ranking loss for hybrid)';
COMMENT ON COLUMN training_history.valid_mae IS 'Mean absolute error on the valid ratings after the epoch';
COMMENT ON COLUMN training_history.valid_rmse IS 'Root mean squared error on the valid ratings after the epoch';
COMMENT ON COLUMN training_history.valid_ndcg10 IS 'NDCG@10 on valid after the epoch';
COMMENT ON COLUMN training_history.seconds IS 'Wall-clock seconds of the epoch (training and validation)';
