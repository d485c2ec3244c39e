-- The lists' quality beyond accuracy (table score_run_quality; the definitions are its column comments):
-- computed in the publish transaction from the run's rows, before the pointer moves and retention runs.

-- name: insert_run_quality!
INSERT INTO score_run_quality (run_id, computed_at, catalogue_coverage, genre_diversity_at_10,
                               novelty_popularity_percentile, previous_run_id, overlap_at_10, users_compared)
WITH run AS (
    SELECT user_id, rank, movie_id FROM recommendations WHERE run_id = $run_id
),
popularity AS (
    SELECT m.movie_id, percent_rank() OVER (ORDER BY coalesce(c.n, 0)) AS percentile
    FROM movies AS m
    LEFT JOIN (SELECT movie_id, count(*) AS n FROM ratings GROUP BY movie_id) AS c USING (movie_id)
),
genre_sets AS (
    SELECT movie_id, list(genre_id) AS genres FROM movie_genres GROUP BY movie_id
),
top AS (
    SELECT r.user_id, r.rank, r.movie_id, coalesce(g.genres, []::INTEGER[]) AS genres
    FROM run AS r
    LEFT JOIN genre_sets AS g USING (movie_id)
    WHERE r.rank <= 10
),
pair_distances AS (
    SELECT a.user_id,
           CASE WHEN len(list_distinct(list_concat(a.genres, b.genres))) = 0 THEN 0.0
                ELSE 1.0 - len(list_intersect(a.genres, b.genres))
                           / len(list_distinct(list_concat(a.genres, b.genres)))
           END AS distance
    FROM top AS a
    JOIN top AS b ON a.user_id = b.user_id AND a.rank < b.rank
),
previous AS (
    -- the newest published run before this one on the current data set (as served_run defines it: since
    -- the newest initial or replace load): lists of a replaced data set are not compared
    SELECT max(run_id) AS run_id
    FROM score_runs
    WHERE status = 'published' AND run_id < $run_id
      AND coalesce(load_id, 0) >= (SELECT coalesce(max(load_id), 0) FROM loads
                                   WHERE action IN ('initial', 'replace'))
),
before AS (
    SELECT user_id, movie_id
    FROM recommendations
    WHERE run_id = (SELECT run_id FROM previous) AND rank <= 10
),
per_user AS (
    SELECT n.user_id,
           coalesce(c.common, 0) / greatest(n.listed, b.listed) AS overlap
    FROM (SELECT user_id, count(*) AS listed FROM top GROUP BY user_id) AS n
    JOIN (SELECT user_id, count(*) AS listed FROM before GROUP BY user_id) AS b USING (user_id)
    LEFT JOIN (
        SELECT t.user_id, count(*) AS common
        FROM top AS t
        JOIN before AS p ON p.user_id = t.user_id AND p.movie_id = t.movie_id
        GROUP BY t.user_id
    ) AS c USING (user_id)
)
SELECT $run_id,
       now(),
       (SELECT count(DISTINCT movie_id) FROM run) / nullif((SELECT count(*) FROM movies), 0),
       (SELECT avg(d) FROM (SELECT avg(distance) AS d FROM pair_distances GROUP BY user_id)),
       (SELECT avg(p.percentile) FROM run AS r JOIN popularity AS p USING (movie_id)),
       (SELECT run_id FROM previous),
       (SELECT avg(overlap) FROM per_user),
       (SELECT count(*) FROM per_user);

-- name: run_quality^
SELECT run_id, catalogue_coverage, genre_diversity_at_10, novelty_popularity_percentile,
       previous_run_id, overlap_at_10, users_compared
FROM score_run_quality
WHERE run_id = $run_id;

-- name: quality_over_runs
-- The newest $limit runs' figures, oldest first (the evaluation report plots them).
SELECT *
FROM (
    SELECT q.run_id, s.finished_at, q.catalogue_coverage, q.genre_diversity_at_10,
           q.novelty_popularity_percentile, q.previous_run_id, q.overlap_at_10, q.users_compared
    FROM score_run_quality AS q
    JOIN score_runs AS s USING (run_id)
    ORDER BY q.run_id DESC
    LIMIT $limit
)
ORDER BY run_id;
