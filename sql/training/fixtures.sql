-- Test and bench fixtures: fill the core tables without recdb.ingest (ML-1M files read by DuckDB
-- directly, or small synthetic frames registered on the connection). Not used by the jobs.

-- name: fixture_load
INSERT INTO loads (load_id, dataset, release, source, file_checksums, action, users_total, movies_total,
                   ratings_total, tags_total, users_added, movies_added, ratings_added, tags_added,
                   started_at, finished_at)
VALUES ($load_id, $dataset, 'ml-1m', $source, MAP {}, 'initial', 0, 0, 0, 0, 0, 0, 0, 0,
        current_localtimestamp(), current_localtimestamp());

-- name: fixture_ml1m_users
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT c0::INTEGER, c1,
       CASE c2::INTEGER WHEN 1 THEN 'Under 18' WHEN 18 THEN '18-24' WHEN 25 THEN '25-34' WHEN 35 THEN '35-44'
                        WHEN 45 THEN '45-49' WHEN 50 THEN '50-55' WHEN 56 THEN '56+' END,
       c2::INTEGER,
       ['other', 'academic/educator', 'artist', 'clerical/admin', 'college/grad student', 'customer service',
        'doctor/health care', 'executive/managerial', 'farmer', 'homemaker', 'K-12 student', 'lawyer',
        'programmer', 'retired', 'sales/marketing', 'scientist', 'self-employed', 'technician/engineer',
        'tradesman/craftsman', 'unemployed', 'writer'][c3::INTEGER + 1],
       c3, c4, $load_id
FROM read_csv($dir || '/users.dat', delim = '::', header = false, all_varchar = true,
              columns = {'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR', 'c3': 'VARCHAR', 'c4': 'VARCHAR'});

-- name: fixture_ml1m_movies
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT c0::INTEGER, trim(regexp_replace(c1, '\s*\((\d{4})\)\s*$', '')),
       try_cast(regexp_extract(c1, '\((\d{4})\)\s*$', 1) AS INTEGER), c1, $load_id
FROM read_csv($dir || '/movies.dat', delim = '::', header = false, encoding = 'latin-1', quote = '',
              columns = {'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR'});

-- name: fixture_ml1m_genres
INSERT INTO genres (genre_id, name)
SELECT row_number() OVER (ORDER BY g)::SMALLINT, g
FROM (SELECT DISTINCT unnest(string_split(c2, '|')) AS g
      FROM read_csv($dir || '/movies.dat', delim = '::', header = false, encoding = 'latin-1', quote = '',
                    columns = {'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR'}));

-- name: fixture_ml1m_movie_genres
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT m.c0::INTEGER, g.genre_id
FROM (SELECT c0, unnest(string_split(c2, '|')) AS name
      FROM read_csv($dir || '/movies.dat', delim = '::', header = false, encoding = 'latin-1', quote = '',
                    columns = {'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR'})) AS m
JOIN genres AS g USING (name);

-- name: fixture_ml1m_ratings
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT c0::INTEGER, c1::INTEGER, c2::FLOAT, make_timestamp(c3::BIGINT * 1000000), $load_id
FROM read_csv($dir || '/ratings.dat', delim = '::', header = false,
              columns = {'c0': 'VARCHAR', 'c1': 'VARCHAR', 'c2': 'VARCHAR', 'c3': 'VARCHAR'});

-- name: fixture_frame_users
-- fixture_users: a frame (user_id, gender, age_group, occupation) registered on the connection.
INSERT INTO users (user_id, gender, age_group, occupation, load_id)
SELECT user_id, gender, age_group, occupation, $load_id FROM fixture_users;

-- name: fixture_frame_movies
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT movie_id, title, year, title, $load_id FROM fixture_movies;

-- name: fixture_frame_genres
INSERT INTO genres (genre_id, name)
SELECT row_number() OVER (ORDER BY name)::SMALLINT, name
FROM (SELECT DISTINCT unnest(genres) AS name FROM fixture_movies);

-- name: fixture_frame_movie_genres
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT m.movie_id, g.genre_id
FROM (SELECT movie_id, unnest(genres) AS name FROM fixture_movies) AS m
JOIN genres AS g USING (name);

-- name: fixture_frame_ratings
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT user_id, movie_id, rating, make_timestamp(rated_at * 1000000), $load_id FROM fixture_ratings;
