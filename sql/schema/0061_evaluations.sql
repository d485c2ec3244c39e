-- evaluations: every metric value of every evaluation run, one row per (run, model, method, split, metric, k).
CREATE TABLE evaluations (
    eval_id    INTEGER NOT NULL REFERENCES evaluation_runs (eval_id),
    created_at TIMESTAMP NOT NULL,
    model_id   INTEGER,
    method     VARCHAR NOT NULL,
    split_id   VARCHAR NOT NULL,
    metric     VARCHAR NOT NULL CHECK (metric IN ('mae', 'rmse', 'precision', 'recall', 'f1', 'ndcg', 'hit_rate',
                                                  'coverage', 'same_top10_pairs', 'n_test_ratings', 'n_topk_users',
                                                  'fit_seconds', 'eval_seconds')),
    k          INTEGER CHECK (k IS NULL OR k >= 1),
    value      DOUBLE NOT NULL
);
COMMENT ON TABLE evaluations IS 'Metric values of recdb evaluate runs on the test part of a split (no primary key: k is NULL for rating metrics; (eval_id, model_id, method, split_id, metric, k) is unique)';
COMMENT ON COLUMN evaluations.eval_id IS 'The evaluation run (evaluation_runs.eval_id)';
COMMENT ON COLUMN evaluations.created_at IS 'Local time the run was recorded (same for all rows of a run)';
COMMENT ON COLUMN evaluations.model_id IS 'models.model_id for a trained model; NULL for a baseline';
COMMENT ON COLUMN evaluations.method IS 'Model architecture (paper, hybrid) or baseline name (global_mean, bias, ubcf, item_knn, ease, popularity, demographic, genre_mean)';
COMMENT ON COLUMN evaluations.split_id IS 'The split evaluated on (splits.split_id); baselines are fitted on its train+valid parts';
COMMENT ON COLUMN evaluations.metric IS 'mae, rmse (test ratings); precision, recall, f1, ndcg, hit_rate, coverage (top-k, relevant = test rating >= evaluate.relevance_threshold); same_top10_pairs (fraction of user pairs whose unmasked top-10 lists are identical); n_test_ratings, n_topk_users, fit_seconds, eval_seconds (bookkeeping)';
COMMENT ON COLUMN evaluations.k IS 'List length 1..evaluate.max_k for top-k metrics; NULL for rating and bookkeeping metrics';
COMMENT ON COLUMN evaluations.value IS 'The metric value (means over test users for top-k metrics)';
