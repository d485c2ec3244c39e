-- models.rank_blend: the hybrid's γ, chosen after training (added after 0022; NULL for older rows).
ALTER TABLE models ADD COLUMN rank_blend DOUBLE;
COMMENT ON COLUMN models.rank_blend IS 'hybrid: γ, the weight of the predicted rating in the list score (ranking head + γ × predicted rating), chosen on valid NDCG@10 unless train.rank_blend fixes it; NULL for paper models and models trained before it existed';
