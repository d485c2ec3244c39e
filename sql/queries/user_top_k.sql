-- A user's current top-k list, best first.
-- Run (read-only, see docs/consumers.md):
--   duckdb -readonly -cmd "SET VARIABLE user_id = 42" var/recdb.duckdb < sql/queries/user_top_k.sql
-- Columns: rank (1 = best), movie_id, title, year, genres (list), predicted_rating (release's scale).

-- name: user_top_k
SELECT rank, movie_id, title, year, genres, predicted_rating
FROM latest_recommendations
WHERE user_id = getvariable('user_id')
ORDER BY rank;
