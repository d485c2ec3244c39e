-- Publishing like a production recommender (issue 13): the served model is refit on every rating, a gate
-- compares the new evaluated (split-trained) model with the one behind the published lists, and each
-- nightly that loads new ratings measures the served lists on them (forward figures).
-- models.status keeps its CHECK (training/ready/failed: DuckDB cannot alter a CHECK, and rebuilding models
-- would rebuild every table that references it); the gate's verdict lives in models.gate.
ALTER TABLE models ADD COLUMN trained_on VARCHAR;
ALTER TABLE models ADD COLUMN evaluated_model_id INTEGER;
ALTER TABLE models ADD COLUMN n_train_ratings BIGINT;
ALTER TABLE models ADD COLUMN best_epoch INTEGER;
ALTER TABLE models ADD COLUMN gate VARCHAR;
COMMENT ON COLUMN models.trained_on IS 'split: trained on the split''s train part (early-stopped on valid, measured on test: the evaluated model); all: refit on every rating of the split (train+valid+test) with the evaluated model''s choices fixed (the served model; it has no held-out figures); NULL: trained before refits existed (a split model)';
COMMENT ON COLUMN models.evaluated_model_id IS 'For a refit (trained_on = all): the split-trained model whose best epoch and γ it reused and whose test figures stand for it; NULL otherwise';
COMMENT ON COLUMN models.n_train_ratings IS 'Ratings the model trained on (the train part for a split model, every rating of the split for a refit)';
COMMENT ON COLUMN models.best_epoch IS 'split: the epoch early stopping kept (valid selection); all: the epochs the refit ran';
COMMENT ON COLUMN models.gate IS 'The nightly gate''s verdict on this model: passed, rejected (worse than the published model''s evaluated model beyond nightly.gate_tolerance: never scored, nothing published; status stays ready), forced (refused but published by --force-publish), first (nothing published yet: no gate); a refit carries its evaluated model''s verdict; NULL: not gated (recdb train)';

CREATE TABLE gate_decisions (
    run_id            INTEGER NOT NULL,
    decided_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    model_id          INTEGER NOT NULL,
    baseline_model_id INTEGER,
    split_id          VARCHAR,
    decision          VARCHAR NOT NULL CHECK (decision IN ('passed', 'rejected', 'forced', 'first')),
    tolerance         DOUBLE,
    metrics           JSON,
    reason            VARCHAR NOT NULL,
    seconds           DOUBLE,
    PRIMARY KEY (run_id, model_id)
);
COMMENT ON TABLE gate_decisions IS 'One row per gate decision of a nightly run: the new evaluated model against the evaluated model behind the published lists, both measured on the new split''s test part';
COMMENT ON COLUMN gate_decisions.run_id IS 'The nightly run (runs.run_id)';
COMMENT ON COLUMN gate_decisions.decided_at IS 'When (UTC instant) the gate decided';
COMMENT ON COLUMN gate_decisions.model_id IS 'The new split-trained (evaluated) model the gate judged (models.model_id); never a refit';
COMMENT ON COLUMN gate_decisions.baseline_model_id IS 'The evaluated model behind the published lists (the served refit''s evaluated_model_id); NULL on the first night';
COMMENT ON COLUMN gate_decisions.split_id IS 'The split whose test part both models were measured on (the new model''s; neither trained on it)';
COMMENT ON COLUMN gate_decisions.decision IS 'passed, rejected (exit 4, the previous lists stay served), forced (rejected but published by recdb nightly --force-publish), first (nothing published: no gate)';
COMMENT ON COLUMN gate_decisions.tolerance IS 'nightly.gate_tolerance: the relative loss allowed on each gate metric';
COMMENT ON COLUMN gate_decisions.metrics IS 'Per gate metric (nightly.gate_metrics): {"new": .., "baseline": .., "limit": .., "ok": ..}';
COMMENT ON COLUMN gate_decisions.reason IS 'One line: why the gate passed or refused';
COMMENT ON COLUMN gate_decisions.seconds IS 'Wall-clock seconds the gate took (measuring both models)';

CREATE TABLE forward_measures (
    run_id           INTEGER NOT NULL,
    score_run_id     INTEGER NOT NULL,
    measured_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    after_load_id    INTEGER NOT NULL,
    through_load_id  INTEGER NOT NULL,
    k                INTEGER NOT NULL,
    threshold        DOUBLE NOT NULL,
    users            BIGINT NOT NULL,
    new_ratings      BIGINT NOT NULL,
    hit_rate         DOUBLE,
    precision_at_k   DOUBLE,
    pop_hit_rate     DOUBLE,
    pop_precision_at_k DOUBLE,
    seconds          DOUBLE,
    PRIMARY KEY (run_id, score_run_id)
);
COMMENT ON TABLE forward_measures IS 'How the served lists did on the ratings that arrived after they were scored: one row per nightly run that loaded new ratings (sql/nightly/forward.sql defines the figures)';
COMMENT ON COLUMN forward_measures.run_id IS 'The nightly run that measured (runs.run_id)';
COMMENT ON COLUMN forward_measures.score_run_id IS 'The served score run measured (score_runs.run_id)';
COMMENT ON COLUMN forward_measures.measured_at IS 'When (UTC instant) it was measured';
COMMENT ON COLUMN forward_measures.after_load_id IS 'New ratings are those of loads after this one (the score run''s load_id: the data it was scored on)';
COMMENT ON COLUMN forward_measures.through_load_id IS 'The newest load measured (ratings.load_id in (after_load_id, through_load_id])';
COMMENT ON COLUMN forward_measures.k IS 'List length measured: the top k of each served list (10, or the run''s k if shorter)';
COMMENT ON COLUMN forward_measures.threshold IS 'A new rating counts as a hit when >= this (evaluate.relevance_threshold)';
COMMENT ON COLUMN forward_measures.users IS 'Users with a served list who rated at least one movie in the new loads (the population)';
COMMENT ON COLUMN forward_measures.new_ratings IS 'New ratings of those users';
COMMENT ON COLUMN forward_measures.hit_rate IS 'Share of the population with at least one new rating >= threshold on a movie of their served top k; NULL when the population is empty';
COMMENT ON COLUMN forward_measures.precision_at_k IS 'Mean over the population of (movies of the served top k with a new rating >= threshold) / k';
COMMENT ON COLUMN forward_measures.pop_hit_rate IS 'hit_rate of a popularity list (most ratings >= threshold before the new loads, the user''s earlier ratings excluded): the yardstick';
COMMENT ON COLUMN forward_measures.pop_precision_at_k IS 'precision_at_k of the same popularity list';
COMMENT ON COLUMN forward_measures.seconds IS 'Wall-clock seconds of the measurement';
