-- The evaluation checks one more claim per architecture: its top-10 lists against EASE's.
COMMENT ON COLUMN evaluation_claims.claim IS 'Claim key: beats_ubcf_mae, beats_ubcf_prf_every_k, cold_start_solved, identical_ranking, beats_ease_top10';
