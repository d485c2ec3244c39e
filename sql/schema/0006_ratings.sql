-- ratings: explicit ratings, one per (user, movie).
CREATE TABLE ratings (
    user_id  INTEGER NOT NULL REFERENCES users (user_id),
    movie_id INTEGER NOT NULL REFERENCES movies (movie_id),
    rating   FLOAT NOT NULL CHECK (rating >= 0.5 AND rating <= 5 AND rating * 2 = round(rating * 2)),
    rated_at TIMESTAMP NOT NULL,
    load_id  INTEGER NOT NULL REFERENCES loads (load_id),
    PRIMARY KEY (user_id, movie_id)
);
COMMENT ON TABLE ratings IS 'Explicit ratings: whole stars 1-5 up to ML-1M, half stars 0.5-5 from ML-10M on';
COMMENT ON COLUMN ratings.user_id IS 'Who rated';
COMMENT ON COLUMN ratings.movie_id IS 'What was rated';
COMMENT ON COLUMN ratings.rating IS 'Stars, 0.5 to 5 in steps of 0.5 (exact in FLOAT)';
COMMENT ON COLUMN ratings.rated_at IS 'When, as a UTC timestamp without time zone (from Unix seconds)';
COMMENT ON COLUMN ratings.load_id IS 'The load that added this rating';
