-- The hybrid's rating term (issue 12): its weight α in the predicted ratings, chosen on valid RMSE after
-- training; a refit reuses its evaluated model's α.
ALTER TABLE models ADD COLUMN rating_blend DOUBLE;
COMMENT ON COLUMN models.rating_blend IS 'The hybrid''s rating-term weight α: a predicted rating is clip(r̂ + α × (the user''s residuals r − r̂ on their known ratings · W)), W the EASE weights of the training residuals fitted after training (0: no term; a refit reuses its evaluated model''s α with W fitted on every rating); NULL: an architecture without the term or a model trained before it existed';
