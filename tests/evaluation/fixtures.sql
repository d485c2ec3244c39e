-- Test fixtures: small frames straight into the core tables, instead of recdb.ingest
-- (tests/evaluation/eval_support.py's load_frames). Never used by the jobs.

-- name: insert_load
INSERT INTO loads (load_id, dataset, release, source, file_checksums, action, users_total, movies_total,
                   ratings_total, tags_total, users_added, movies_added, ratings_added, tags_added,
                   started_at, finished_at)
VALUES (1, $dataset, 'ml-1m', $source, MAP {}, 'initial', 0, 0, 0, 0, 0, 0, 0, 0, now(), now());

-- name: load_frame_users
-- fixture_users / fixture_movies / fixture_ratings are Polars frames registered for these statements.
INSERT INTO users (user_id, gender, age_group, occupation, load_id)
SELECT user_id, gender, age_group, occupation, 1 FROM fixture_users;

-- name: load_frame_movies
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT movie_id, title, year, title, 1 FROM fixture_movies;

-- name: load_frame_genres
INSERT INTO genres (genre_id, name)
SELECT row_number() OVER (ORDER BY name)::SMALLINT, name
FROM (SELECT DISTINCT unnest(genres) AS name FROM fixture_movies);

-- name: load_frame_movie_genres
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT m.movie_id, g.genre_id
FROM (SELECT movie_id, unnest(genres) AS name FROM fixture_movies) AS m
JOIN genres AS g USING (name);

-- name: load_frame_ratings
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT user_id, movie_id, rating, to_timestamp(rated_at)::TIMESTAMP, 1 FROM fixture_ratings;
