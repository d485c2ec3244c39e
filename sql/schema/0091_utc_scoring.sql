-- Scoring records in UTC: score_runs and latest_run times become TIMESTAMPTZ.
-- Times were local TIMESTAMP (current_localtimestamp(): the writer's zone), so an age read under another
-- TZ was off by the zone difference. They become TIMESTAMPTZ (an instant; written with now()).
-- DuckDB cannot ALTER a column of a table that a foreign key references (Dependency Error), so the
-- tables below are rebuilt: copied aside, dropped (children first), recreated, refilled, commented.
-- Existing values: the zone they were written in is not recorded; the best available assumption is
-- that the writer ran in the same zone as this migration, so they are read in the session's time zone
-- (recdb applies migrations before it switches the session to UTC). INSERT ... BY NAME fails loudly,
-- rather than dropping data, if a column was added to one of these tables after this was written.

CREATE TABLE _utc_old_score_runs AS SELECT * FROM score_runs;
CREATE TABLE _utc_old_latest_run AS SELECT * FROM latest_run;
DROP TABLE latest_run;
DROP TABLE score_runs;

CREATE TABLE score_runs (
    run_id INTEGER PRIMARY KEY,
    model_id INTEGER,
    predictor VARCHAR NOT NULL,
    load_id INTEGER,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    k INTEGER NOT NULL,
    users BIGINT NOT NULL,
    movies BIGINT NOT NULL,
    "rows" BIGINT NOT NULL,
    min_rating FLOAT NOT NULL,
    max_rating FLOAT NOT NULL,
    score_seconds DOUBLE NOT NULL,
    publish_seconds DOUBLE,
    status VARCHAR NOT NULL,
    "error" VARCHAR,
    CHECK((k >= 1)),
    CHECK((status IN ('published', 'failed', 'expired')))
);
INSERT INTO score_runs BY NAME SELECT * REPLACE (started_at::TIMESTAMPTZ AS started_at, finished_at::TIMESTAMPTZ AS finished_at) FROM _utc_old_score_runs;
DROP TABLE _utc_old_score_runs;
COMMENT ON TABLE score_runs IS 'One row per scoring run (recdb score): what was scored with which model, and whether it was published';
COMMENT ON COLUMN score_runs.run_id IS 'Run number, increasing (sequence score_runs_seq); recommendations.run_id points here';
COMMENT ON COLUMN score_runs.model_id IS 'The model that scored (models.model_id); NULL for a model outside the registry (tests, benchmarks)';
COMMENT ON COLUMN score_runs.predictor IS 'Predictor name, e.g. hybrid, paper, popularity';
COMMENT ON COLUMN score_runs.load_id IS 'Newest load (loads.load_id) in the database when the inputs were read: the data this run reflects';
COMMENT ON COLUMN score_runs.started_at IS 'When (UTC instant, TIMESTAMPTZ) the job started reading its inputs';
COMMENT ON COLUMN score_runs.finished_at IS 'When (UTC instant, TIMESTAMPTZ) the run was published (or failed)';
COMMENT ON COLUMN score_runs.k IS 'Requested list length: each user gets min(k, movies the user has not rated) recommendations';
COMMENT ON COLUMN score_runs.users IS 'Users scored: every user in the users table, including users without ratings';
COMMENT ON COLUMN score_runs.movies IS 'Movies in the catalogue scored against, including movies nobody rated';
COMMENT ON COLUMN score_runs."rows" IS 'Recommendation rows the run produced';
COMMENT ON COLUMN score_runs.min_rating IS 'Lowest rating on the release''s scale: predicted ratings are clipped to [min_rating, max_rating]';
COMMENT ON COLUMN score_runs.max_rating IS 'Highest rating on the release''s scale';
COMMENT ON COLUMN score_runs.score_seconds IS 'Seconds spent scoring (after reading inputs, before publishing)';
COMMENT ON COLUMN score_runs.publish_seconds IS 'Seconds the publish transaction held the database (insert, contract checks, retention); NULL if failed before';
COMMENT ON COLUMN score_runs.status IS 'published (passed the contract checks, rows kept), failed (a check failed: no rows kept), expired (published, rows since removed by retention)';
COMMENT ON COLUMN score_runs."error" IS 'Why a failed run failed: the contract check and example rows; NULL otherwise';

CREATE TABLE latest_run (
    slot BOOLEAN DEFAULT(true) PRIMARY KEY,
    run_id INTEGER NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    CHECK(slot),
    FOREIGN KEY (run_id) REFERENCES score_runs(run_id)
);
INSERT INTO latest_run BY NAME SELECT * REPLACE (published_at::TIMESTAMPTZ AS published_at) FROM _utc_old_latest_run;
DROP TABLE _utc_old_latest_run;
COMMENT ON TABLE latest_run IS 'Pointer to the run latest_recommendations shows: at most one row, replaced in the same transaction that inserts and checks the run';
COMMENT ON COLUMN latest_run.slot IS 'Always true: the primary key that keeps this table to one row';
COMMENT ON COLUMN latest_run.run_id IS 'The published run (score_runs.run_id) consumers see';
COMMENT ON COLUMN latest_run.published_at IS 'When (UTC instant, TIMESTAMPTZ) the pointer was moved to this run';
