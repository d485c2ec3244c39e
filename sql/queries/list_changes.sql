-- How a user's list changed since the previous published run (the runs kept by score.retain_runs):
-- movies that entered, left or moved. Empty before the second run.
-- Run (read-only, see docs/consumers.md):
--   duckdb -readonly -cmd "SET VARIABLE user_id = 42" var/recdb.duckdb < sql/queries/list_changes.sql
-- Columns: movie_id, title, change (new | dropped | up | down | same), rank_now, rank_before
-- (NULL when not in that list), predicted_rating_now.

-- name: list_changes
WITH latest AS (
    SELECT run_id FROM latest_run
),
previous AS (
    SELECT max(run_id) AS run_id
    FROM score_runs
    WHERE status = 'published' AND run_id < (SELECT run_id FROM latest)
),
now_list AS (
    SELECT movie_id, rank, predicted_rating
    FROM recommendations
    WHERE run_id = (SELECT run_id FROM latest) AND user_id = getvariable('user_id')
),
before_list AS (
    SELECT movie_id, rank
    FROM recommendations
    WHERE run_id = (SELECT run_id FROM previous) AND user_id = getvariable('user_id')
)
SELECT movie_id,
       m.title,
       CASE
           WHEN b.rank IS NULL THEN 'new'
           WHEN n.rank IS NULL THEN 'dropped'
           WHEN n.rank < b.rank THEN 'up'
           WHEN n.rank > b.rank THEN 'down'
           ELSE 'same'
       END AS change,
       n.rank AS rank_now,
       b.rank AS rank_before,
       n.predicted_rating AS predicted_rating_now
FROM now_list AS n
FULL OUTER JOIN before_list AS b USING (movie_id)
JOIN movies AS m USING (movie_id)
WHERE (SELECT run_id FROM previous) IS NOT NULL
ORDER BY coalesce(n.rank, 1000000), b.rank;
