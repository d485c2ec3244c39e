-- models.checkpoint_deleted_at: nightly retention (nightly.retain_models) deletes old checkpoints but
-- keeps the registry row (metrics, config, training curve) and says here that the file is gone.
ALTER TABLE models ADD COLUMN checkpoint_deleted_at TIMESTAMPTZ;
COMMENT ON COLUMN models.checkpoint_deleted_at IS 'When nightly retention (nightly.retain_models) deleted the checkpoint file; NULL while it is kept';
