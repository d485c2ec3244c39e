-- latest_run: the one-row pointer to the published run consumers see; moved by the publish transaction.
CREATE TABLE latest_run (
    slot         BOOLEAN PRIMARY KEY DEFAULT true CHECK (slot),
    run_id       INTEGER NOT NULL REFERENCES score_runs (run_id),
    published_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE latest_run IS 'Pointer to the run latest_recommendations shows: at most one row, replaced in the same transaction that inserts and checks the run';
COMMENT ON COLUMN latest_run.slot IS 'Always true: the primary key that keeps this table to one row';
COMMENT ON COLUMN latest_run.run_id IS 'The published run (score_runs.run_id) consumers see';
COMMENT ON COLUMN latest_run.published_at IS 'Local time the pointer was moved to this run';
