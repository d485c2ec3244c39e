-- Nightly run records in UTC: runs and run_stages times become TIMESTAMPTZ.
-- Times were local TIMESTAMP (current_localtimestamp(): the writer's zone), so an age read under another
-- TZ was off by the zone difference. They become TIMESTAMPTZ (an instant; written with now()).
-- DuckDB cannot ALTER a column of a table that a foreign key references (Dependency Error), so the
-- tables below are rebuilt: copied aside, dropped (children first), recreated, refilled, commented.
-- Existing values: the zone they were written in is not recorded; the best available assumption is
-- that the writer ran in the same zone as this migration, so they are read in the session's time zone
-- (recdb applies migrations before it switches the session to UTC). INSERT ... BY NAME fails loudly,
-- rather than dropping data, if a column was added to one of these tables after this was written.

CREATE TABLE _utc_old_runs AS SELECT * FROM runs;
CREATE TABLE _utc_old_run_stages AS SELECT * FROM run_stages;
DROP TABLE run_stages;
DROP TABLE runs;

CREATE TABLE runs (
    run_id INTEGER DEFAULT(nextval('runs_seq')) PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status VARCHAR NOT NULL,
    "trigger" VARCHAR NOT NULL,
    forced BOOLEAN NOT NULL,
    command VARCHAR NOT NULL,
    host VARCHAR NOT NULL,
    pid INTEGER NOT NULL,
    load_id INTEGER,
    data_load_id INTEGER,
    model_id INTEGER,
    score_run_id INTEGER,
    eval_id INTEGER,
    exit_code INTEGER,
    "error" VARCHAR,
    CHECK((status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned'))),
    CHECK(("trigger" IN ('interactive', 'scheduled')))
);
INSERT INTO runs BY NAME SELECT * REPLACE (started_at::TIMESTAMPTZ AS started_at, finished_at::TIMESTAMPTZ AS finished_at) FROM _utc_old_runs;
DROP TABLE _utc_old_runs;
COMMENT ON TABLE runs IS 'One row per recdb nightly run: when, where, how it ended and what it produced (stages in run_stages)';
COMMENT ON COLUMN runs.run_id IS 'Nightly run number, increasing';
COMMENT ON COLUMN runs.started_at IS 'When (UTC instant, TIMESTAMPTZ) the run took the job lock and started';
COMMENT ON COLUMN runs.finished_at IS 'When (UTC instant, TIMESTAMPTZ) the run ended; NULL while running (or if the process died before the next run noticed)';
COMMENT ON COLUMN runs.status IS 'running; succeeded (new recommendations published); skipped (data unchanged, the published ones are current); failed (see error, exit_code); abandoned (the process died, e.g. kill -9 or power loss, found by the next run)';
COMMENT ON COLUMN runs."trigger" IS 'interactive (started from a terminal) or scheduled (no terminal: cron, systemd, CI)';
COMMENT ON COLUMN runs.forced IS 'True when --force / nightly.force made the run retrain although the data had not changed';
COMMENT ON COLUMN runs.command IS 'The command line that started the run';
COMMENT ON COLUMN runs.host IS 'Host name of the machine that ran it';
COMMENT ON COLUMN runs.pid IS 'Process id of the run on that host';
COMMENT ON COLUMN runs.load_id IS 'loads.load_id of the load this run made; NULL when the data was unchanged';
COMMENT ON COLUMN runs.data_load_id IS 'loads.load_id of the newest load in the database when this run loaded: the data it trained on';
COMMENT ON COLUMN runs.model_id IS 'models.model_id trained by this run (NULL when skipped or failed before)';
COMMENT ON COLUMN runs.score_run_id IS 'score_runs.run_id published by this run (NULL when skipped or failed before)';
COMMENT ON COLUMN runs.eval_id IS 'evaluations.eval_id of this run''s evaluation (NULL when not evaluated)';
COMMENT ON COLUMN runs.exit_code IS 'Process exit code the run ended with: 0 ok, 2 config, 3 data, 4 job failed (see docs/operations.md); NULL while running or abandoned';
COMMENT ON COLUMN runs."error" IS 'One-line reason the run failed or was abandoned; NULL on success';

CREATE TABLE run_stages (
    run_id INTEGER,
    stage VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    "seconds" DOUBLE,
    status VARCHAR NOT NULL,
    "rows" BIGINT,
    metrics JSON,
    "error" VARCHAR,
    FOREIGN KEY (run_id) REFERENCES runs(run_id),
    CHECK((stage IN ('load', 'train', 'score', 'evaluate'))),
    CHECK((status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned'))),
    PRIMARY KEY(run_id, stage)
);
INSERT INTO run_stages BY NAME SELECT * REPLACE (started_at::TIMESTAMPTZ AS started_at, finished_at::TIMESTAMPTZ AS finished_at) FROM _utc_old_run_stages;
DROP TABLE _utc_old_run_stages;
COMMENT ON TABLE run_stages IS 'One row per stage of a nightly run: timing, outcome, row count and metrics';
COMMENT ON COLUMN run_stages.run_id IS 'The nightly run (runs.run_id)';
COMMENT ON COLUMN run_stages.stage IS 'load (new data), train (a model), score (every user''s top-k, published atomically), evaluate (metrics and report)';
COMMENT ON COLUMN run_stages.started_at IS 'When (UTC instant, TIMESTAMPTZ) the stage started';
COMMENT ON COLUMN run_stages.finished_at IS 'When (UTC instant, TIMESTAMPTZ) the stage ended; NULL while running or when abandoned';
COMMENT ON COLUMN run_stages."seconds" IS 'Wall-clock duration of the stage in seconds (monotonic clock)';
COMMENT ON COLUMN run_stages.status IS 'running, succeeded, failed (see error), skipped (nothing to do: data unchanged, or evaluation switched off), abandoned (the process died)';
COMMENT ON COLUMN run_stages."rows" IS 'Rows the stage produced: load = ratings added, train = training ratings, score = users scored, evaluate = metric rows';
COMMENT ON COLUMN run_stages.metrics IS 'Stage results as JSON: load action and totals, model ids and validation/test metrics, score run id, evaluation summary';
COMMENT ON COLUMN run_stages."error" IS 'One-line reason the stage failed; NULL otherwise';
