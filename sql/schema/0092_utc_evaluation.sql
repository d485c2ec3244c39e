-- Evaluation records in UTC: evaluation_runs and evaluations times become TIMESTAMPTZ.
-- Times were local TIMESTAMP (current_localtimestamp(): the writer's zone), so an age read under another
-- TZ was off by the zone difference. They become TIMESTAMPTZ (an instant; written with now()).
-- DuckDB cannot ALTER a column of a table that a foreign key references (Dependency Error), so the
-- tables below are rebuilt: copied aside, dropped (children first), recreated, refilled, commented.
-- Existing values: the zone they were written in is not recorded; the best available assumption is
-- that the writer ran in the same zone as this migration, so they are read in the session's time zone
-- (recdb applies migrations before it switches the session to UTC). INSERT ... BY NAME fails loudly,
-- rather than dropping data, if a column was added to one of these tables after this was written.

CREATE TABLE _utc_old_evaluation_runs AS SELECT * FROM evaluation_runs;
CREATE TABLE _utc_old_evaluations AS SELECT * FROM evaluations;
CREATE TABLE _utc_old_evaluation_claims AS SELECT * FROM evaluation_claims;
DROP TABLE evaluation_claims;
DROP TABLE evaluations;
DROP TABLE evaluation_runs;

CREATE TABLE evaluation_runs (
    eval_id INTEGER PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    model_ids INTEGER[] NOT NULL,
    split_ids VARCHAR[] NOT NULL,
    baselines_only BOOLEAN NOT NULL,
    methods VARCHAR[] NOT NULL,
    report_dir VARCHAR NOT NULL,
    "seconds" DOUBLE NOT NULL
);
INSERT INTO evaluation_runs BY NAME SELECT * REPLACE (created_at::TIMESTAMPTZ AS created_at) FROM _utc_old_evaluation_runs;
DROP TABLE _utc_old_evaluation_runs;
COMMENT ON TABLE evaluation_runs IS 'One row per recdb evaluate run: which models and splits were evaluated, where the report is';
COMMENT ON COLUMN evaluation_runs.eval_id IS 'Evaluation run number, increasing; evaluations.eval_id points here';
COMMENT ON COLUMN evaluation_runs.created_at IS 'When (UTC instant, TIMESTAMPTZ) the run finished and was recorded';
COMMENT ON COLUMN evaluation_runs.model_ids IS 'models.model_id of every model evaluated (empty for a baselines-only run)';
COMMENT ON COLUMN evaluation_runs.split_ids IS 'splits.split_id of every split evaluated on (one per distinct model split)';
COMMENT ON COLUMN evaluation_runs.baselines_only IS 'True when no trained model was evaluated';
COMMENT ON COLUMN evaluation_runs.methods IS 'Method names evaluated: model architectures (paper, hybrid) and baselines (ubcf, ease, ...)';
COMMENT ON COLUMN evaluation_runs.report_dir IS 'Folder holding report.md and the PNG figures of this run';
COMMENT ON COLUMN evaluation_runs."seconds" IS 'Wall-clock seconds the evaluation took (fitting baselines included)';

CREATE TABLE evaluations (
    eval_id INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    model_id INTEGER,
    "method" VARCHAR NOT NULL,
    split_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    k INTEGER,
    "value" DOUBLE NOT NULL,
    FOREIGN KEY (eval_id) REFERENCES evaluation_runs(eval_id),
    CHECK((metric IN ('mae', 'rmse', 'precision', 'recall', 'f1', 'ndcg', 'hit_rate', 'coverage', 'same_top10_pairs', 'n_test_ratings', 'n_topk_users', 'fit_seconds', 'eval_seconds'))),
    CHECK(((k IS NULL) OR (k >= 1)))
);
INSERT INTO evaluations BY NAME SELECT * REPLACE (created_at::TIMESTAMPTZ AS created_at) FROM _utc_old_evaluations;
DROP TABLE _utc_old_evaluations;
COMMENT ON TABLE evaluations IS 'Metric values of recdb evaluate runs on the test part of a split (no primary key: k is NULL for rating metrics; (eval_id, model_id, method, split_id, metric, k) is unique)';
COMMENT ON COLUMN evaluations.eval_id IS 'The evaluation run (evaluation_runs.eval_id)';
COMMENT ON COLUMN evaluations.created_at IS 'When (UTC instant, TIMESTAMPTZ) the run was recorded (same for all rows of a run)';
COMMENT ON COLUMN evaluations.model_id IS 'models.model_id for a trained model; NULL for a baseline';
COMMENT ON COLUMN evaluations."method" IS 'Model architecture (paper, hybrid) or baseline name (global_mean, bias, ubcf, item_knn, ease, popularity, demographic, genre_mean)';
COMMENT ON COLUMN evaluations.split_id IS 'The split evaluated on (splits.split_id); baselines are fitted on its train+valid parts';
COMMENT ON COLUMN evaluations.metric IS 'mae, rmse (test ratings); precision, recall, f1, ndcg, hit_rate, coverage (top-k, relevant = test rating >= evaluate.relevance_threshold); same_top10_pairs (fraction of user pairs whose unmasked top-10 lists are identical); n_test_ratings, n_topk_users, fit_seconds, eval_seconds (bookkeeping)';
COMMENT ON COLUMN evaluations.k IS 'List length 1..evaluate.max_k for top-k metrics; NULL for rating and bookkeeping metrics';
COMMENT ON COLUMN evaluations."value" IS 'The metric value (means over test users for top-k metrics)';

CREATE TABLE evaluation_claims (
    eval_id INTEGER,
    claim VARCHAR,
    "method" VARCHAR,
    verdict VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    FOREIGN KEY (eval_id) REFERENCES evaluation_runs(eval_id),
    CHECK((verdict IN ('held', 'did not hold', 'not evaluated'))),
    PRIMARY KEY(eval_id, claim, "method")
);
INSERT INTO evaluation_claims BY NAME SELECT * FROM _utc_old_evaluation_claims;
DROP TABLE _utc_old_evaluation_claims;
COMMENT ON TABLE evaluation_claims IS 'Each claim of the paper checked by a recdb evaluate run, per model architecture, with the evidence';
COMMENT ON COLUMN evaluation_claims.eval_id IS 'The evaluation run (evaluation_runs.eval_id)';
COMMENT ON COLUMN evaluation_claims.claim IS 'Claim key: beats_ubcf_mae, beats_ubcf_prf_every_k, cold_start_solved, identical_ranking';
COMMENT ON COLUMN evaluation_claims."method" IS 'The model architecture the claim was checked for (paper, hybrid), or - when no model was evaluated';
COMMENT ON COLUMN evaluation_claims.verdict IS 'held, did not hold, or not evaluated (the run lacked what the check needs)';
COMMENT ON COLUMN evaluation_claims.detail IS 'The numbers behind the verdict, in one sentence';
