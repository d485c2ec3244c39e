-- Staging: each release file is read once by DuckDB's CSV reader into a TEMP table (stg_*), in file
-- order, so `rowid + $first_line` is the file's line number in every later check. Rows the reader cannot
-- parse (wrong field count, a non-numeric id, invalid UTF-8) go to its rejects table with their line
-- numbers (store_rejects); the loader reports them and stops. Nothing here touches the database file.

-- name: stage_macros!
-- Timestamps are read as text: DuckDB's BIGINT cast would round `881250949.7` and accept `8.8e8`. A value
-- that is not whole seconds (or overflows BIGINT) becomes the smallest BIGINT, which no real time is; the
-- value checks name its line.
CREATE OR REPLACE TEMP MACRO unix_seconds(raw) AS
    CASE WHEN raw IS NULL THEN NULL
         WHEN regexp_full_match(raw, '\s*-?[0-9]+\s*') THEN coalesce(TRY_CAST(raw AS BIGINT), -9223372036854775808)
         ELSE -9223372036854775808 END;

-- name: stage_ratings_dat!
CREATE TEMP TABLE stg_ratings AS
SELECT user_id, movie_id, rating, unix_seconds(ts_raw) AS ts
FROM read_csv($path, delim = $delim, quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'movie_id': 'INTEGER', 'rating': 'DOUBLE', 'ts_raw': 'VARCHAR'});

-- name: stage_ratings_csv!
CREATE TEMP TABLE stg_ratings AS
SELECT user_id, movie_id, rating, unix_seconds(ts_raw) AS ts
FROM read_csv($path, delim = ',', quote = '"', escape = '"', header = true, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'movie_id': 'INTEGER', 'rating': 'DOUBLE', 'ts_raw': 'VARCHAR'});

-- name: stage_movies_dat!
-- `(no genres listed)` (ML-10M and later) is no genre: such a movie gets no movie_genres rows.
CREATE TEMP TABLE stg_movies AS
SELECT movie_id, title_raw,
       CASE WHEN genres IS NULL OR genres = '(no genres listed)' THEN []::VARCHAR[]
            ELSE string_split(genres, '|') END AS genres,
       CASE WHEN list_contains(string_split(genres, '|'), '') THEN 'empty genre name in ' || genres END AS issue
FROM read_csv($path, delim = $delim, quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'movie_id': 'INTEGER', 'title_raw': 'VARCHAR', 'genres': 'VARCHAR'});

-- name: stage_movies_csv!
CREATE TEMP TABLE stg_movies AS
SELECT movie_id, title_raw,
       CASE WHEN genres IS NULL OR genres = '(no genres listed)' THEN []::VARCHAR[]
            ELSE string_split(genres, '|') END AS genres,
       CASE WHEN list_contains(string_split(genres, '|'), '') THEN 'empty genre name in ' || genres END AS issue
FROM read_csv($path, delim = ',', quote = '"', escape = '"', header = true, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'movie_id': 'INTEGER', 'title_raw': 'VARCHAR', 'genres': 'VARCHAR'});

-- name: stage_movies_item!
-- ML-100K u.item: id|title|release date|video release date|IMDb URL|19 genre flags in u.genre's order.
-- The 'unknown' flag is no genre (like `(no genres listed)`): such a movie gets no movie_genres rows.
CREATE TEMP TABLE stg_movies AS
SELECT movie_id, title_raw,
       list_filter([
           CASE WHEN g01 = 1 THEN 'Action' END, CASE WHEN g02 = 1 THEN 'Adventure' END,
           CASE WHEN g03 = 1 THEN 'Animation' END, CASE WHEN g04 = 1 THEN 'Children''s' END,
           CASE WHEN g05 = 1 THEN 'Comedy' END, CASE WHEN g06 = 1 THEN 'Crime' END,
           CASE WHEN g07 = 1 THEN 'Documentary' END, CASE WHEN g08 = 1 THEN 'Drama' END,
           CASE WHEN g09 = 1 THEN 'Fantasy' END, CASE WHEN g10 = 1 THEN 'Film-Noir' END,
           CASE WHEN g11 = 1 THEN 'Horror' END, CASE WHEN g12 = 1 THEN 'Musical' END,
           CASE WHEN g13 = 1 THEN 'Mystery' END, CASE WHEN g14 = 1 THEN 'Romance' END,
           CASE WHEN g15 = 1 THEN 'Sci-Fi' END, CASE WHEN g16 = 1 THEN 'Thriller' END,
           CASE WHEN g17 = 1 THEN 'War' END, CASE WHEN g18 = 1 THEN 'Western' END], lambda g: g IS NOT NULL) AS genres,
       CASE WHEN NOT list_bool_and(list_transform(
                [g00, g01, g02, g03, g04, g05, g06, g07, g08, g09, g10, g11, g12, g13, g14, g15, g16, g17, g18],
                lambda f: coalesce(f IN (0, 1), false)))
            THEN 'genre flags must be 0 or 1' END AS issue
FROM read_csv($path, delim = '|', quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'movie_id': 'INTEGER', 'title_raw': 'VARCHAR', 'release_date': 'VARCHAR',
                         'video_date': 'VARCHAR', 'imdb_url': 'VARCHAR',
                         'g00': 'INTEGER', 'g01': 'INTEGER', 'g02': 'INTEGER', 'g03': 'INTEGER', 'g04': 'INTEGER',
                         'g05': 'INTEGER', 'g06': 'INTEGER', 'g07': 'INTEGER', 'g08': 'INTEGER', 'g09': 'INTEGER',
                         'g10': 'INTEGER', 'g11': 'INTEGER', 'g12': 'INTEGER', 'g13': 'INTEGER', 'g14': 'INTEGER',
                         'g15': 'INTEGER', 'g16': 'INTEGER', 'g17': 'INTEGER', 'g18': 'INTEGER'});

-- name: stage_users_1m!
-- ML-1M users.dat: UserID::Gender::Age code::Occupation code::Zip-code.
CREATE TEMP TABLE stg_users AS
SELECT user_id, gender, age_raw, occupation_raw, zip_code
FROM read_csv($path, delim = $delim, quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'gender': 'VARCHAR', 'age_raw': 'INTEGER',
                         'occupation_raw': 'VARCHAR', 'zip_code': 'VARCHAR'});

-- name: stage_users_100k!
-- ML-100K u.user: user id|age in years|gender|occupation name|zip code.
CREATE TEMP TABLE stg_users AS
SELECT user_id, gender, age_raw, occupation_raw, zip_code
FROM read_csv($path, delim = '|', quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'age_raw': 'INTEGER', 'gender': 'VARCHAR',
                         'occupation_raw': 'VARCHAR', 'zip_code': 'VARCHAR'});

-- name: stage_tags_dat!
CREATE TEMP TABLE stg_tags AS
SELECT user_id, movie_id, coalesce(tag, '') AS tag, unix_seconds(ts_raw) AS ts
FROM read_csv($path, delim = $delim, quote = '', escape = '', header = false, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'movie_id': 'INTEGER', 'tag': 'VARCHAR', 'ts_raw': 'VARCHAR'});

-- name: stage_tags_csv!
CREATE TEMP TABLE stg_tags AS
SELECT user_id, movie_id, coalesce(tag, '') AS tag, unix_seconds(ts_raw) AS ts
FROM read_csv($path, delim = ',', quote = '"', escape = '"', header = true, auto_detect = false,
              encoding = $encoding, store_rejects = true, rejects_limit = 1000,
              columns = {'user_id': 'INTEGER', 'movie_id': 'INTEGER', 'tag': 'VARCHAR', 'ts_raw': 'VARCHAR'});

-- name: stage_no_tags!
-- Releases without tags (ml-100k, ml-1m, an ml-10m copy without tags.dat): an empty stg_tags.
CREATE TEMP TABLE stg_tags (user_id INTEGER, movie_id INTEGER, tag VARCHAR, ts BIGINT);

-- name: stage_users_from_activity!
-- Releases without a users file (ml-10m and later): the users are whoever rated or tagged;
-- demographics NULL, never guessed.
CREATE TEMP TABLE stg_users AS
SELECT user_id, NULL::VARCHAR AS gender, NULL::INTEGER AS age_raw, NULL::VARCHAR AS occupation_raw,
       NULL::VARCHAR AS zip_code
FROM (SELECT user_id FROM stg_ratings UNION SELECT user_id FROM stg_tags)
WHERE user_id IS NOT NULL
ORDER BY user_id;

-- name: rejected_rows
-- What the reader rejected (one file is staged at a time, and the loader stops at the first rejects).
-- One row per line; a wrong field count explains a line better than the cast errors it also causes.
SELECT line, coalesce(column_name, '') AS column_name, error_type, csv_line, error_message,
       (SELECT count(DISTINCT line) FROM reject_errors) AS total
FROM reject_errors
QUALIFY row_number() OVER (PARTITION BY line
                           ORDER BY error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') DESC, column_idx) = 1
ORDER BY line
LIMIT 5;

-- name: staged_count$
SELECT count(*) FROM query_table($table);
