-- runs: one row per `recdb nightly`, written by the nightly job in short transactions as it goes.
CREATE SEQUENCE IF NOT EXISTS runs_seq START 1;
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY DEFAULT nextval('runs_seq'),
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    status        VARCHAR NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned')),
    trigger       VARCHAR NOT NULL CHECK (trigger IN ('interactive', 'scheduled')),
    forced        BOOLEAN NOT NULL,
    command       VARCHAR NOT NULL,
    host          VARCHAR NOT NULL,
    pid           INTEGER NOT NULL,
    load_id       INTEGER,
    data_load_id  INTEGER,
    model_id      INTEGER,
    score_run_id  INTEGER,
    eval_id       INTEGER,
    exit_code     INTEGER,
    error         VARCHAR
);
COMMENT ON TABLE runs IS 'One row per recdb nightly run: when, where, how it ended and what it produced (stages in run_stages)';
COMMENT ON COLUMN runs.run_id IS 'Nightly run number, increasing';
COMMENT ON COLUMN runs.started_at IS 'Local time the run took the job lock and started';
COMMENT ON COLUMN runs.finished_at IS 'Local time the run ended; NULL while running (or if the process died before the next run noticed)';
COMMENT ON COLUMN runs.status IS 'running; succeeded (new recommendations published); skipped (data unchanged, the published ones are current); failed (see error, exit_code); abandoned (the process died, e.g. kill -9 or power loss, found by the next run)';
COMMENT ON COLUMN runs.trigger IS 'interactive (started from a terminal) or scheduled (no terminal: cron, systemd, CI)';
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
COMMENT ON COLUMN runs.error IS 'One-line reason the run failed or was abandoned; NULL on success';
