-- recommendations: every user's top-k list, one row per (run, user, rank); the last retained runs only.
-- No PRIMARY KEY on purpose: an index over tens of millions of rows would cost gigabytes of memory in
-- DuckDB; uniqueness of (run_id, user_id, rank) is enforced by the contract checks run before publishing
-- (sql/scoring/contract.sql). Rows are inserted sorted by (run_id, user_id, rank), so zone maps make
-- per-user look-ups cheap.
CREATE TABLE recommendations (
    run_id           INTEGER NOT NULL,
    user_id          INTEGER NOT NULL,
    rank             SMALLINT NOT NULL CHECK (rank >= 1),
    movie_id         INTEGER NOT NULL,
    predicted_rating FLOAT NOT NULL
);
COMMENT ON TABLE recommendations IS 'Top-k movies per user for each retained published run (score.retain_runs); query latest_recommendations instead for the current list';
COMMENT ON COLUMN recommendations.run_id IS 'The scoring run (score_runs.run_id)';
COMMENT ON COLUMN recommendations.user_id IS 'The user (users.user_id); every user appears, including users without ratings';
COMMENT ON COLUMN recommendations.rank IS '1 = best; ranks 1..n without gaps, n = min(k, movies the user has not rated); ties in the model score go to the lower movie_id';
COMMENT ON COLUMN recommendations.movie_id IS 'The recommended movie (movies.movie_id), never one the user has already rated';
COMMENT ON COLUMN recommendations.predicted_rating IS 'The model''s predicted rating for this user and movie, clipped to the release''s scale (score_runs.min_rating..max_rating)';
