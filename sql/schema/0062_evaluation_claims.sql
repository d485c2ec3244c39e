-- evaluation_claims: the paper's claims and whether each held in an evaluation run.
CREATE TABLE evaluation_claims (
    eval_id  INTEGER NOT NULL REFERENCES evaluation_runs (eval_id),
    claim    VARCHAR NOT NULL,
    method   VARCHAR NOT NULL,
    verdict  VARCHAR NOT NULL CHECK (verdict IN ('held', 'did not hold', 'not evaluated')),
    detail   VARCHAR NOT NULL,
    PRIMARY KEY (eval_id, claim, method)
);
COMMENT ON TABLE evaluation_claims IS 'Each claim of the paper checked by a recdb evaluate run, per model architecture, with the evidence';
COMMENT ON COLUMN evaluation_claims.eval_id IS 'The evaluation run (evaluation_runs.eval_id)';
COMMENT ON COLUMN evaluation_claims.claim IS 'Claim key: beats_ubcf_mae, beats_ubcf_prf_every_k, cold_start_solved, identical_ranking';
COMMENT ON COLUMN evaluation_claims.method IS 'The model architecture the claim was checked for (paper, hybrid), or - when no model was evaluated';
COMMENT ON COLUMN evaluation_claims.verdict IS 'held, did not hold, or not evaluated (the run lacked what the check needs)';
COMMENT ON COLUMN evaluation_claims.detail IS 'The numbers behind the verdict, in one sentence';
