-- Splits of the ratings into train / valid / test (recdb.training.splits).

-- name: ratings_snapshot^
-- The data snapshot a split is drawn from: the newest load that added ratings, and how many there are.
SELECT max(load_id) AS load_id, count(*) AS n_ratings FROM ratings;

-- name: split_exists$
SELECT count(*) FROM splits WHERE split_id = $split_id;

-- name: split_ratings_source
-- Every rating, in a fixed order (the time split breaks ties by it; the other kinds hash each row).
SELECT user_id, movie_id, epoch(rated_at)::DOUBLE AS rated_at
FROM ratings
ORDER BY user_id, movie_id;

-- name: insert_split!
INSERT INTO splits (split_id, kind, seed, test_fraction, valid_fraction, load_id, n_train, n_valid, n_test)
VALUES ($split_id, $kind, $seed, $test_fraction, $valid_fraction, $load_id, $n_train, $n_valid, $n_test);

-- name: insert_split_ratings!
-- split_parts is a Polars frame (user_id, movie_id, part) registered on the connection for this insert.
INSERT INTO split_ratings (split_id, user_id, movie_id, part)
SELECT $split_id, user_id, movie_id, part FROM split_parts;

-- name: split_part_ratings
-- The ratings of a split with their part, for training and evaluation.
SELECT s.user_id, s.movie_id, r.rating, s.part
FROM split_ratings AS s
JOIN ratings AS r USING (user_id, movie_id)
WHERE s.split_id = $split_id
ORDER BY s.user_id, s.movie_id;

-- name: split_info^
SELECT split_id, kind, seed, test_fraction, valid_fraction, load_id, n_train, n_valid, n_test
FROM splits WHERE split_id = $split_id;
