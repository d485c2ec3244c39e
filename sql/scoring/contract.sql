-- Contract checks on a run's rows, run inside the publish transaction before the pointer moves.
-- Each `check_*` query returns up to 5 example rows that break its rule; no rows = the check passed.
-- Parameters: $run_id, $k (requested list length), $min_rating / $max_rating (the release's scale).
-- Per user, the contract is: exactly min(k, movies the user has not rated) rows, ranks 1..n without
-- gaps, distinct movies, none already rated, no NULL or NaN, ratings within the scale.

-- name: check_no_nulls
SELECT user_id, rank, movie_id, predicted_rating
FROM recommendations
WHERE run_id = $run_id
  AND (user_id IS NULL OR rank IS NULL OR movie_id IS NULL OR predicted_rating IS NULL
       OR isnan(predicted_rating))
LIMIT 5;

-- name: check_unique_user_rank
SELECT user_id, rank, count(*) AS copies
FROM recommendations
WHERE run_id = $run_id
GROUP BY user_id, rank
HAVING count(*) > 1
ORDER BY user_id, rank
LIMIT 5;

-- name: check_unique_user_movie
SELECT user_id, movie_id, count(*) AS copies
FROM recommendations
WHERE run_id = $run_id
GROUP BY user_id, movie_id
HAVING count(*) > 1
ORDER BY user_id, movie_id
LIMIT 5;

-- name: check_ranks_without_gaps
SELECT user_id, min(rank) AS first_rank, max(rank) AS last_rank, count(*) AS n_rows
FROM recommendations
WHERE run_id = $run_id
GROUP BY user_id
HAVING min(rank) <> 1 OR max(rank) <> count(*) OR count(DISTINCT rank) <> count(*)
ORDER BY user_id
LIMIT 5;

-- name: check_every_user_present
-- Every user in the users table has exactly min(k, unrated movies) rows (users without ratings included);
-- a user who has rated every movie is the only one allowed to have none.
WITH expected AS (
    SELECT u.user_id,
           least($k, (SELECT count(*) FROM movies) - coalesce(rc.n_rated, 0)) AS n_expected
    FROM users AS u
    LEFT JOIN (SELECT user_id, count(*) AS n_rated FROM ratings GROUP BY user_id) AS rc USING (user_id)
),
got AS (
    SELECT user_id, count(*) AS n_rows
    FROM recommendations
    WHERE run_id = $run_id
    GROUP BY user_id
)
SELECT e.user_id, e.n_expected, coalesce(g.n_rows, 0) AS n_rows
FROM expected AS e
LEFT JOIN got AS g USING (user_id)
WHERE coalesce(g.n_rows, 0) <> e.n_expected
ORDER BY e.user_id
LIMIT 5;

-- name: check_known_ids
SELECT r.user_id, r.movie_id
FROM recommendations AS r
WHERE r.run_id = $run_id
  AND (NOT EXISTS (SELECT 1 FROM users AS u WHERE u.user_id = r.user_id)
       OR NOT EXISTS (SELECT 1 FROM movies AS m WHERE m.movie_id = r.movie_id))
LIMIT 5;

-- name: check_not_already_rated
SELECT r.user_id, r.movie_id, r.rank, t.rating
FROM recommendations AS r
JOIN ratings AS t ON t.user_id = r.user_id AND t.movie_id = r.movie_id
WHERE r.run_id = $run_id
ORDER BY r.user_id, r.rank
LIMIT 5;

-- name: check_rating_scale
SELECT user_id, rank, movie_id, predicted_rating
FROM recommendations
WHERE run_id = $run_id
  AND (predicted_rating < $min_rating OR predicted_rating > $max_rating)
ORDER BY user_id, rank
LIMIT 5;
