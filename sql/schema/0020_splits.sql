-- splits: one row per train/valid/test split of the ratings (created by recdb.training.splits.ensure_split).
CREATE TABLE splits (
    split_id       VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL CHECK (kind IN ('random', 'time', 'cold_users', 'cold_movies')),
    seed           INTEGER NOT NULL,
    test_fraction  DOUBLE NOT NULL CHECK (test_fraction > 0 AND test_fraction < 1),
    valid_fraction DOUBLE NOT NULL CHECK (valid_fraction > 0 AND valid_fraction < 1),
    load_id        INTEGER NOT NULL REFERENCES loads (load_id),
    created_at     TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    n_train        BIGINT NOT NULL,
    n_valid        BIGINT NOT NULL,
    n_test         BIGINT NOT NULL
);
COMMENT ON TABLE splits IS 'Train/valid/test splits of the ratings; every model and baseline evaluated on a split uses exactly its rows (split_ratings)';
COMMENT ON COLUMN splits.split_id IS 'Name built from the parameters, e.g. random-s0-t0.2-v0.1-l1 (kind, seed, test and valid fractions, load)';
COMMENT ON COLUMN splits.kind IS 'random: seeded random ratings (the paper''s 80/20); time: the latest ratings by rated_at are the test; cold_users / cold_movies: whole users / movies held out, all their ratings are test';
COMMENT ON COLUMN splits.seed IS 'Seed of numpy.random.default_rng that drew the split';
COMMENT ON COLUMN splits.test_fraction IS 'random, time: fraction of the ratings in test; cold_users, cold_movies: fraction of the rated users / movies held out (train.cold_fraction)';
COMMENT ON COLUMN splits.valid_fraction IS 'Fraction of the non-test ratings put in valid (early stopping and model selection only)';
COMMENT ON COLUMN splits.load_id IS 'Data snapshot: the newest load that added ratings when the split was drawn';
COMMENT ON COLUMN splits.created_at IS 'Local time the split was drawn';
COMMENT ON COLUMN splits.n_train IS 'Ratings in part train';
COMMENT ON COLUMN splits.n_valid IS 'Ratings in part valid';
COMMENT ON COLUMN splits.n_test IS 'Ratings in part test';
