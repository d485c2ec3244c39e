-- score_runs: one row per `recdb score` that reached the publish step, published or failed.
CREATE SEQUENCE IF NOT EXISTS score_runs_seq START 1;
CREATE TABLE score_runs (
    run_id          INTEGER PRIMARY KEY,
    model_id        INTEGER,
    predictor       VARCHAR NOT NULL,
    load_id         INTEGER,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    k               INTEGER NOT NULL CHECK (k >= 1),
    users           BIGINT NOT NULL,
    movies          BIGINT NOT NULL,
    rows            BIGINT NOT NULL,
    min_rating      FLOAT NOT NULL,
    max_rating      FLOAT NOT NULL,
    score_seconds   DOUBLE NOT NULL,
    publish_seconds DOUBLE,
    status          VARCHAR NOT NULL CHECK (status IN ('published', 'failed', 'expired')),
    error           VARCHAR
);
COMMENT ON TABLE score_runs IS 'One row per scoring run (recdb score): what was scored with which model, and whether it was published';
COMMENT ON COLUMN score_runs.run_id IS 'Run number, increasing (sequence score_runs_seq); recommendations.run_id points here';
COMMENT ON COLUMN score_runs.model_id IS 'The model that scored (models.model_id); NULL for a model outside the registry (tests, benchmarks)';
COMMENT ON COLUMN score_runs.predictor IS 'Predictor name, e.g. hybrid, paper, popularity';
COMMENT ON COLUMN score_runs.load_id IS 'Newest load (loads.load_id) in the database when the inputs were read: the data this run reflects';
COMMENT ON COLUMN score_runs.started_at IS 'Local time the job started reading its inputs';
COMMENT ON COLUMN score_runs.finished_at IS 'Local time the run was published (or failed)';
COMMENT ON COLUMN score_runs.k IS 'Requested list length: each user gets min(k, movies the user has not rated) recommendations';
COMMENT ON COLUMN score_runs.users IS 'Users scored: every user in the users table, including users without ratings';
COMMENT ON COLUMN score_runs.movies IS 'Movies in the catalogue scored against, including movies nobody rated';
COMMENT ON COLUMN score_runs.rows IS 'Recommendation rows the run produced';
COMMENT ON COLUMN score_runs.min_rating IS 'Lowest rating on the release''s scale: predicted ratings are clipped to [min_rating, max_rating]';
COMMENT ON COLUMN score_runs.max_rating IS 'Highest rating on the release''s scale';
COMMENT ON COLUMN score_runs.score_seconds IS 'Seconds spent scoring (after reading inputs, before publishing)';
COMMENT ON COLUMN score_runs.publish_seconds IS 'Seconds the publish transaction held the database (insert, contract checks, retention); NULL if failed before';
COMMENT ON COLUMN score_runs.status IS 'published (passed the contract checks, rows kept), failed (a check failed: no rows kept), expired (published, rows since removed by retention)';
COMMENT ON COLUMN score_runs.error IS 'Why a failed run failed: the contract check and example rows; NULL otherwise';
