-- ratings: explicit ratings, one per (user, movie).
-- No FOREIGN KEY clauses on purpose: see 0005_movie_genres.sql; recdb load checks the references.
-- No PRIMARY KEY (user_id, movie_id) either, also on purpose: its ART index was most of the cost of a load
-- (measured, 5M ratings on 2 shared cores: insert+commit 15 s with it, 2.4 s without; ~4x at ML-1M) and
-- must sit in memory whenever the table is appended to (GBs at 25M ratings). DuckDB joins never use it.
-- recdb load guarantees one rating per (user, movie) instead: it refuses a file with a duplicate pair and
-- inserts only pairs not loaded yet (tests/ingest check uniqueness after every kind of load).
CREATE TABLE ratings (
    user_id  INTEGER NOT NULL,
    movie_id INTEGER NOT NULL,
    rating   FLOAT NOT NULL CHECK (rating >= 0.5 AND rating <= 5 AND rating * 2 = round(rating * 2)),
    rated_at TIMESTAMP NOT NULL,
    load_id  INTEGER NOT NULL
);
COMMENT ON TABLE ratings IS 'Explicit ratings, one per (user, movie) (kept unique by recdb load): whole stars 1-5 up to ML-1M, half stars 0.5-5 from ML-10M on';
COMMENT ON COLUMN ratings.user_id IS 'Who rated (references users.user_id; checked by recdb load)';
COMMENT ON COLUMN ratings.movie_id IS 'What was rated (references movies.movie_id; checked by recdb load)';
COMMENT ON COLUMN ratings.rating IS 'Stars, 0.5 to 5 in steps of 0.5 (exact in FLOAT)';
COMMENT ON COLUMN ratings.rated_at IS 'When, as a UTC timestamp without time zone (from Unix seconds)';
COMMENT ON COLUMN ratings.load_id IS 'The load that added this rating (references loads.load_id)';
