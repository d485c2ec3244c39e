-- Catalogue coverage of the latest run: how much of the catalogue reaches anyone, and how
-- concentrated the recommendations are (a few blockbusters for everyone, or a long tail).
-- Run (read-only, see docs/consumers.md):
--   duckdb -readonly var/recdb.duckdb < sql/queries/catalogue_coverage.sql
-- Columns: run_id, users, movies_in_catalogue, movies_recommended, coverage (share of the catalogue
-- recommended to at least one user), never_rated_recommended (movies with no ratings that reach
-- someone: cold-start items), top10_share (share of all slots taken by the 10 most recommended movies).

-- name: catalogue_coverage
WITH per_movie AS (
    SELECT movie_id, count(*) AS slots
    FROM latest_recommendations
    GROUP BY movie_id
)
SELECT (SELECT run_id FROM latest_run) AS run_id,
       (SELECT count(DISTINCT user_id) FROM latest_recommendations) AS users,
       (SELECT count(*) FROM movies) AS movies_in_catalogue,
       count(*) AS movies_recommended,
       round(count(*) / (SELECT count(*) FROM movies), 4) AS coverage,
       count(*) FILTER (WHERE movie_id NOT IN (SELECT movie_id FROM ratings)) AS never_rated_recommended,
       round((SELECT sum(slots) FROM (SELECT slots FROM per_movie ORDER BY slots DESC LIMIT 10)) / sum(slots), 4)
           AS top10_share
FROM per_movie;
