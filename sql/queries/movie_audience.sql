-- Every user who gets a given movie in their current list, and at which rank.
-- Run (read-only, see docs/consumers.md):
--   duckdb -readonly -cmd "SET VARIABLE movie_id = 2571" var/recdb.duckdb < sql/queries/movie_audience.sql
-- Columns: user_id, rank (1 = the user's best), predicted_rating; best-placed users first.

-- name: movie_audience
SELECT user_id, rank, predicted_rating
FROM latest_recommendations
WHERE movie_id = getvariable('movie_id')
ORDER BY rank, predicted_rating DESC, user_id;
