-- run_stages.engine: evaluation's ranking runs on the engine too (recdb/compute/ray_eval.py).
COMMENT ON COLUMN run_stages.engine IS 'Compute engine that ran the stage: local (the nightly process) or ray (a Ray cluster: train, score and the ranking pass of evaluate); NULL for skipped stages and stages recorded before migration 0140';
