-- The hybrid's item-item term (issue 12): its weight w in the list score, chosen on valid like γ; a refit
-- reuses its evaluated model's w.
ALTER TABLE models ADD COLUMN item_blend DOUBLE;
COMMENT ON COLUMN models.item_blend IS 'The hybrid''s item-item weight w: lists rank by the network''s blended score + w × (the user''s rated movies · B), B the EASE weights fitted after training (0: no term; a refit reuses its evaluated model''s w with B fitted on every rating); NULL: an architecture without the term or a model trained before it existed';
