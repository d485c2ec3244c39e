-- run_stages.engine / workers: which compute engine ran the stage (compute.engine, docs/scaling.md).
ALTER TABLE run_stages ADD COLUMN engine VARCHAR;
ALTER TABLE run_stages ADD COLUMN workers INTEGER;
COMMENT ON COLUMN run_stages.engine IS 'Compute engine that ran the stage: local (the nightly process) or ray (a Ray cluster: train and score); NULL for skipped stages and stages recorded before migration 0140';
COMMENT ON COLUMN run_stages.workers IS 'Workers the engine ran the stage on: compute.workers on ray, 1 on local; NULL when engine is NULL';
