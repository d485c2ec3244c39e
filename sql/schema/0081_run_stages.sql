-- run_stages: one row per stage of a nightly run (load, train, score, evaluate).
CREATE TABLE run_stages (
    run_id      INTEGER NOT NULL REFERENCES runs (run_id),
    stage       VARCHAR NOT NULL CHECK (stage IN ('load', 'train', 'score', 'evaluate')),
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    seconds     DOUBLE,
    status      VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned')),
    rows        BIGINT,
    metrics     JSON,
    error       VARCHAR,
    PRIMARY KEY (run_id, stage)
);
COMMENT ON TABLE run_stages IS 'One row per stage of a nightly run: timing, outcome, row count and metrics';
COMMENT ON COLUMN run_stages.run_id IS 'The nightly run (runs.run_id)';
COMMENT ON COLUMN run_stages.stage IS 'load (new data), train (a model), score (every user''s top-k, published atomically), evaluate (metrics and report)';
COMMENT ON COLUMN run_stages.started_at IS 'Local time the stage started';
COMMENT ON COLUMN run_stages.finished_at IS 'Local time the stage ended; NULL while running or when abandoned';
COMMENT ON COLUMN run_stages.seconds IS 'Wall-clock duration of the stage in seconds (monotonic clock)';
COMMENT ON COLUMN run_stages.status IS 'running, succeeded, failed (see error), skipped (nothing to do: data unchanged, or evaluation switched off), abandoned (the process died)';
COMMENT ON COLUMN run_stages.rows IS 'Rows the stage produced: load = ratings added, train = training ratings, score = users scored, evaluate = metric rows';
COMMENT ON COLUMN run_stages.metrics IS 'Stage results as JSON: load action and totals, model ids and validation/test metrics, score run id, evaluation summary';
COMMENT ON COLUMN run_stages.error IS 'One-line reason the stage failed; NULL otherwise';
