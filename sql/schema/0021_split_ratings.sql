-- split_ratings: the part (train / valid / test) of every rating in a split.
-- No foreign key to ratings: a `load --replace` must be able to delete ratings; a split is tied to its
-- data snapshot through splits.load_id instead.
CREATE TABLE split_ratings (
    split_id VARCHAR NOT NULL REFERENCES splits (split_id),
    user_id  INTEGER NOT NULL,
    movie_id INTEGER NOT NULL,
    part     VARCHAR NOT NULL CHECK (part IN ('train', 'valid', 'test')),
    PRIMARY KEY (split_id, user_id, movie_id)
);
COMMENT ON TABLE split_ratings IS 'Which part of its split each rating is in. Models train on train and early-stop on valid; baselines fit on train + valid; everything is tested on test';
COMMENT ON COLUMN split_ratings.split_id IS 'The split (splits.split_id)';
COMMENT ON COLUMN split_ratings.user_id IS 'Rating''s user (ratings.user_id)';
COMMENT ON COLUMN split_ratings.movie_id IS 'Rating''s movie (ratings.movie_id)';
COMMENT ON COLUMN split_ratings.part IS 'train, valid or test';
