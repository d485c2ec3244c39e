-- Forward figures (recdb/nightly/forward.py): how the served lists did on the ratings that arrived after
-- they were scored. "New" ratings are those of loads after the served score run's load (load ids, not
-- rated_at: MovieLens timestamps are partly reconstructed, and a load is what the lists could not know).

-- name: forward_served^
-- The served score run, the load it was scored on, its list length, and the newest load now.
SELECT s.run_id, r.load_id, r.k, (SELECT max(load_id) FROM loads) AS through_load_id
FROM served_run AS s
JOIN score_runs AS r ON r.run_id = s.run_id;

-- name: forward_measure^
-- Population: users with a served list who rated at least one movie in loads ($after_load_id,
-- $through_load_id]. For each of them, hits = movies of their served top $k they gave a new rating
-- >= $threshold. hit_rate = share of the population with hits >= 1; precision_at_k = mean of hits / $k
-- (a list shorter than $k still divides by $k). The yardstick is a popularity list per user: the $k
-- movies with the most ratings >= $threshold in the loads up to $after_load_id, less the movies the user
-- had rated by then (the served lists mask those too), ties by lower movie id.
WITH served AS (
    SELECT user_id, movie_id FROM recommendations WHERE run_id = $score_run_id AND rank <= $k
),
new AS (
    SELECT user_id, movie_id, rating
    FROM ratings
    WHERE load_id > $after_load_id AND load_id <= $through_load_id
),
population AS (
    SELECT DISTINCT user_id FROM new WHERE user_id IN (SELECT user_id FROM served)
),
liked AS (
    SELECT user_id, movie_id FROM new WHERE rating >= $threshold
),
popularity AS (
    SELECT movie_id, count(*) AS n
    FROM ratings
    WHERE load_id <= $after_load_id AND rating >= $threshold
    GROUP BY movie_id
),
popular AS (
    SELECT p.user_id, c.movie_id
    FROM population AS p
    CROSS JOIN popularity AS c
    ANTI JOIN (SELECT user_id, movie_id FROM ratings WHERE load_id <= $after_load_id) AS r
        ON r.user_id = p.user_id AND r.movie_id = c.movie_id
    QUALIFY row_number() OVER (PARTITION BY p.user_id ORDER BY c.n DESC, c.movie_id) <= $k
),
model_hits AS (
    SELECT p.user_id, count(l.movie_id) AS hits
    FROM population AS p
    LEFT JOIN served AS s ON s.user_id = p.user_id
    LEFT JOIN liked AS l ON l.user_id = s.user_id AND l.movie_id = s.movie_id
    GROUP BY p.user_id
),
pop_hits AS (
    SELECT p.user_id, count(l.movie_id) AS hits
    FROM population AS p
    LEFT JOIN popular AS s ON s.user_id = p.user_id
    LEFT JOIN liked AS l ON l.user_id = s.user_id AND l.movie_id = s.movie_id
    GROUP BY p.user_id
)
SELECT (SELECT count(*) FROM population) AS users,
       (SELECT count(*) FROM new WHERE user_id IN (SELECT user_id FROM population)) AS new_ratings,
       avg((m.hits > 0)::DOUBLE) AS hit_rate,
       avg(m.hits / $k) AS precision_at_k,
       avg((p.hits > 0)::DOUBLE) AS pop_hit_rate,
       avg(p.hits / $k) AS pop_precision_at_k
FROM model_hits AS m
JOIN pop_hits AS p ON p.user_id = m.user_id;

-- name: insert_forward_measure!
INSERT INTO forward_measures (run_id, score_run_id, after_load_id, through_load_id, k, threshold, users,
                              new_ratings, hit_rate, precision_at_k, pop_hit_rate, pop_precision_at_k, seconds)
VALUES ($run_id, $score_run_id, $after_load_id, $through_load_id, $k, $threshold, $users, $new_ratings,
        $hit_rate, $precision_at_k, $pop_hit_rate, $pop_precision_at_k, $seconds);

-- name: last_forward_measure^
SELECT run_id, score_run_id, measured_at, users, new_ratings, hit_rate, precision_at_k, pop_hit_rate,
       pop_precision_at_k, k
FROM forward_measures
ORDER BY measured_at DESC, run_id DESC
LIMIT 1;

-- name: forward_history
-- Every forward measurement, oldest first (the evaluation report's plot).
SELECT run_id, score_run_id, measured_at, users, hit_rate, precision_at_k, pop_hit_rate, pop_precision_at_k
FROM forward_measures
ORDER BY measured_at, run_id;
