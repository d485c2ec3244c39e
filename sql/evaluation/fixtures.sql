-- Test and benchmark fixtures: ML-1M files or small frames straight into the core tables, for use before
-- (or instead of) recdb.ingest. Never used by the jobs.

-- name: insert_load
INSERT INTO loads (load_id, dataset, release, source, file_checksums, action, users_total, movies_total,
                   ratings_total, tags_total, users_added, movies_added, ratings_added, tags_added,
                   started_at, finished_at)
VALUES (1, $dataset, 'ml-1m', $source, MAP {}, 'initial', 0, 0, 0, 0, 0, 0, 0, 0, now()::TIMESTAMP, now()::TIMESTAMP);

-- name: load_ml1m_users
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT split_part(line, '::', 1)::INTEGER, split_part(line, '::', 2),
       CASE split_part(line, '::', 3)::INTEGER WHEN 1 THEN 'Under 18' WHEN 18 THEN '18-24' WHEN 25 THEN '25-34'
            WHEN 35 THEN '35-44' WHEN 45 THEN '45-49' WHEN 50 THEN '50-55' ELSE '56+' END,
       split_part(line, '::', 3)::INTEGER, 'occupation ' || split_part(line, '::', 4),
       split_part(line, '::', 4), split_part(line, '::', 5), 1
FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\t', header = false, quote = '', escape = '');

-- name: load_ml1m_movies
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT split_part(line, '::', 1)::INTEGER,
       regexp_replace(split_part(line, '::', 2), '\s*\((\d{4})\)\s*$', ''),
       TRY_CAST(regexp_extract(split_part(line, '::', 2), '\((\d{4})\)\s*$', 1) AS INTEGER),
       split_part(line, '::', 2), 1
FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\t', header = false, quote = '', escape = '',
              encoding = 'latin-1');

-- name: load_ml1m_genres
INSERT INTO genres (genre_id, name)
SELECT row_number() OVER (ORDER BY name)::SMALLINT, name
FROM (SELECT DISTINCT unnest(string_split(split_part(line, '::', 3), '|')) AS name
      FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\t', header = false, quote = '', escape = '',
                    encoding = 'latin-1'));

-- name: load_ml1m_movie_genres
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT m.movie_id, g.genre_id
FROM (SELECT split_part(line, '::', 1)::INTEGER AS movie_id,
             unnest(string_split(split_part(line, '::', 3), '|')) AS name
      FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\t', header = false, quote = '', escape = '',
                    encoding = 'latin-1')) AS m
JOIN genres AS g USING (name);

-- name: load_ml1m_ratings
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT split_part(line, '::', 1)::INTEGER, split_part(line, '::', 2)::INTEGER,
       split_part(line, '::', 3)::FLOAT, to_timestamp(split_part(line, '::', 4)::BIGINT)::TIMESTAMP, 1
FROM read_csv($path, columns = {'line': 'VARCHAR'}, delim = '\t', header = false, quote = '', escape = '');

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

-- name: count_ratings
SELECT count(*) FROM ratings;
