-- evaluation_runs: one row per `recdb evaluate` run; evaluations and evaluation_claims point here.
CREATE SEQUENCE IF NOT EXISTS evaluation_runs_seq START 1;
CREATE TABLE evaluation_runs (
    eval_id        INTEGER PRIMARY KEY,
    created_at     TIMESTAMP NOT NULL,
    model_ids      INTEGER[] NOT NULL,
    split_ids      VARCHAR[] NOT NULL,
    baselines_only BOOLEAN NOT NULL,
    methods        VARCHAR[] NOT NULL,
    report_dir     VARCHAR NOT NULL,
    seconds        DOUBLE NOT NULL
);
COMMENT ON TABLE evaluation_runs IS 'One row per recdb evaluate run: which models and splits were evaluated, where the report is';
COMMENT ON COLUMN evaluation_runs.eval_id IS 'Evaluation run number, increasing; evaluations.eval_id points here';
COMMENT ON COLUMN evaluation_runs.created_at IS 'Local time the run finished and was recorded';
COMMENT ON COLUMN evaluation_runs.model_ids IS 'models.model_id of every model evaluated (empty for a baselines-only run)';
COMMENT ON COLUMN evaluation_runs.split_ids IS 'splits.split_id of every split evaluated on (one per distinct model split)';
COMMENT ON COLUMN evaluation_runs.baselines_only IS 'True when no trained model was evaluated';
COMMENT ON COLUMN evaluation_runs.methods IS 'Method names evaluated: model architectures (paper, hybrid) and baselines (ubcf, ease, ...)';
COMMENT ON COLUMN evaluation_runs.report_dir IS 'Folder holding report.md and the PNG figures of this run';
COMMENT ON COLUMN evaluation_runs.seconds IS 'Wall-clock seconds the evaluation took (fitting baselines included)';
