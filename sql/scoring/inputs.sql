-- What the scoring job reads in its one short read transaction (besides the catalogue and the model).

-- name: rated_pairs
-- Every (user, movie) pair already rated: these are never recommended; the rating picks the movies a
-- recommendation's reason may name (recdb/scoring/reasons.py). Not sorted here: the job groups them by
-- user itself after closing the connection, so the write lock is not held for a sort of every rating
-- (25M at ML-25M scale).
SELECT user_id, movie_id, rating
FROM ratings;

-- name: rating_scale^
-- The release's rating scale, taken from the ratings themselves (1-5 whole stars up to ML-1M, 0.5-5
-- half stars later); NULLs when there are no ratings yet.
SELECT min(rating) AS min_rating, max(rating) AS max_rating
FROM ratings;

-- name: newest_load$
SELECT max(load_id) AS load_id
FROM loads;
