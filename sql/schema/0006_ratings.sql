-- ratings: explicit ratings, one per (user, movie).
-- No FOREIGN KEY clauses on purpose: see 0005_movie_genres.sql; recdb load checks the references.
CREATE TABLE ratings (
    user_id  INTEGER NOT NULL,
    movie_id INTEGER NOT NULL,
    rating   FLOAT NOT NULL CHECK (rating >= 0.5 AND rating <= 5 AND rating * 2 = round(rating * 2)),
    rated_at TIMESTAMP NOT NULL,
    load_id  INTEGER NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);
COMMENT ON TABLE ratings IS 'Explicit ratings: whole stars 1-5 up to ML-1M, half stars 0.5-5 from ML-10M on';
COMMENT ON COLUMN ratings.user_id IS 'Who rated (references users.user_id; checked by recdb load)';
COMMENT ON COLUMN ratings.movie_id IS 'What was rated (references movies.movie_id; checked by recdb load)';
COMMENT ON COLUMN ratings.rating IS 'Stars, 0.5 to 5 in steps of 0.5 (exact in FLOAT)';
COMMENT ON COLUMN ratings.rated_at IS 'When, as a UTC timestamp without time zone (from Unix seconds)';
COMMENT ON COLUMN ratings.load_id IS 'The load that added this rating (references loads.load_id)';
