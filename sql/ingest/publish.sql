-- Publishing a staged release into the database. The loader runs these in ONE transaction, after every
-- check passed; a new load only ever inserts rows that are not there yet (an append), or deletes the old
-- data set first (a replace).

-- name: current_load^
-- The data set the database holds: the newest load (loads are only recorded when they changed data).
SELECT load_id, dataset, release, file_checksums
FROM loads
ORDER BY load_id DESC
LIMIT 1;

-- name: table_totals^
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM movies) AS movies,
       (SELECT count(*) FROM ratings) AS ratings,
       (SELECT count(*) FROM tags) AS tags;

-- name: insert_load$
INSERT INTO loads (dataset, release, source, file_checksums, action, users_total, movies_total, ratings_total,
                   tags_total, users_added, movies_added, ratings_added, tags_added, started_at, finished_at)
VALUES ($dataset, $release, $source, map($file_names, $file_sums), $action, 0, 0, 0, 0, 0, 0, 0, 0,
        $started_at, $started_at)
RETURNING load_id;

-- name: finish_load!
UPDATE loads
SET users_total = $users_total, movies_total = $movies_total, ratings_total = $ratings_total,
    tags_total = $tags_total, users_added = $users_added, movies_added = $movies_added,
    ratings_added = $ratings_added, tags_added = $tags_added, finished_at = now()
WHERE load_id = $load_id;

-- name: delete_dataset!
-- --replace: the old data set goes, children first (the loads history stays), and the published
-- recommendations with it: their ids would name the new data set's users and movies.
DELETE FROM latest_run;
DELETE FROM tags;
DELETE FROM ratings;
DELETE FROM movie_genres;
DELETE FROM movies;
DELETE FROM users;
DELETE FROM genres;

-- name: insert_genres!
-- New genre names get the next numbers in alphabetical order (existing numbers never change).
INSERT INTO genres (genre_id, name)
SELECT (SELECT coalesce(max(genre_id), 0) FROM genres) + row_number() OVER (ORDER BY name), name
FROM (SELECT DISTINCT unnest(genres) AS name FROM stg_movies) AS g
WHERE NOT EXISTS (SELECT 1 FROM genres AS e WHERE e.name = g.name);

-- name: insert_movies!
-- The title is split into title and year here: `Shawshank Redemption, The (1994)` -> title + 1994; the
-- year is the LAST parenthesised group when it is 4 digits (optionally a range like `(2007-)`), so
-- `City of Lost Children, The (Cité des enfants perdus, La) (1995)` keeps its other parentheses.
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT movie_id,
       CASE WHEN p.year <> '' AND p.title <> '' THEN p.title ELSE trim(title_raw) END,
       CASE WHEN p.year <> '' AND p.title <> '' THEN CAST(p.year AS INTEGER) END,
       title_raw,
       $load_id
FROM (SELECT movie_id, title_raw,
             regexp_extract(title_raw, '^\s*(.*?)\s*\((\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$', ['title', 'year']) AS p
      FROM stg_movies AS s
      WHERE NOT EXISTS (SELECT 1 FROM movies AS m WHERE m.movie_id = s.movie_id));

-- name: insert_movie_genres!
-- Genres of the movies this load added (movies already loaded keep theirs).
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT s.movie_id, g.genre_id
FROM (SELECT movie_id, unnest(genres) AS name FROM stg_movies) AS s
JOIN genres AS g ON g.name = s.name
JOIN movies AS m ON m.movie_id = s.movie_id AND m.load_id = $load_id;

-- name: insert_users_1m!
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT s.user_id, s.gender, a.name, s.age_raw, o.name, s.occupation_raw, s.zip_code, $load_id
FROM stg_users AS s
LEFT JOIN age_groups AS a ON a.age_code = s.age_raw
LEFT JOIN occupations AS o ON CAST(o.occupation_code AS VARCHAR) = s.occupation_raw
WHERE NOT EXISTS (SELECT 1 FROM users AS u WHERE u.user_id = s.user_id);

-- name: insert_users_100k!
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT s.user_id, s.gender, a.name, s.age_raw, o.occupation, s.occupation_raw, s.zip_code, $load_id
FROM stg_users AS s
LEFT JOIN age_groups AS a ON s.age_raw BETWEEN a.min_age AND coalesce(a.max_age, 2147483647)
LEFT JOIN occupation_aliases AS o ON o.raw_name = s.occupation_raw
WHERE NOT EXISTS (SELECT 1 FROM users AS u WHERE u.user_id = s.user_id);

-- name: insert_users_bare!
-- Releases without demographics (ml-10m and later): NULL, never guessed.
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT s.user_id, NULL, NULL, NULL, NULL, NULL, NULL, $load_id
FROM stg_users AS s
WHERE NOT EXISTS (SELECT 1 FROM users AS u WHERE u.user_id = s.user_id);

-- name: insert_ratings!
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT s.user_id, s.movie_id, CAST(s.rating AS FLOAT), make_timestamp(s.ts * 1000000), $load_id
FROM stg_ratings AS s
WHERE NOT EXISTS (SELECT 1 FROM ratings AS r WHERE r.user_id = s.user_id AND r.movie_id = s.movie_id);

-- name: insert_ratings_all!
-- Initial load or replace: the ratings table is empty, every staged rating is new.
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT user_id, movie_id, CAST(rating AS FLOAT), make_timestamp(ts * 1000000), $load_id
FROM stg_ratings;

-- name: insert_tags!
-- Tags have no key; a tag row is new when no identical (user, movie, tag, time) row is loaded yet.
INSERT INTO tags (user_id, movie_id, tag, tagged_at, load_id)
SELECT s.user_id, s.movie_id, s.tag, make_timestamp(s.ts * 1000000), $load_id
FROM stg_tags AS s
WHERE NOT EXISTS (SELECT 1 FROM tags AS t WHERE t.user_id = s.user_id AND t.movie_id = s.movie_id
                  AND t.tag = s.tag AND t.tagged_at = make_timestamp(s.ts * 1000000));
