-- A synthetic MovieLens-shaped catalogue for tests and benchmarks of the scoring job (never for real
-- use): $users users (ids 1..$users; the last $cold_users have no ratings), $movies movies (ids 3i-1, not
-- contiguous, so id-to-position mapping is exercised; the last $cold_movies are never rated), 0-3 genres
-- each, and about $per_user ratings per warm user, skewed towards low positions (popular movies).
-- Deterministic: every choice is a hash of the row's numbers and $seed. Run on an empty, migrated database.

-- name: synthetic_load
INSERT INTO loads (load_id, dataset, release, source, file_checksums, action, users_total, movies_total,
                   ratings_total, tags_total, users_added, movies_added, ratings_added, tags_added,
                   started_at, finished_at)
VALUES (1, 'synthetic', 'ml-1m', 'tests/scoring/synthetic.sql', MAP {}::MAP(VARCHAR, VARCHAR), 'initial',
        0, 0, 0, 0, 0, 0, 0, 0, now(), now());

-- name: synthetic_genres
INSERT INTO genres (genre_id, name)
SELECT row_number() OVER (ORDER BY name)::SMALLINT, name
FROM unnest(['Action', 'Adventure', 'Animation', 'Children''s', 'Comedy', 'Crime', 'Documentary', 'Drama',
             'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller',
             'War', 'Western']) AS t(name);

-- name: synthetic_users
INSERT INTO users (user_id, gender, age_group, age_raw, occupation, occupation_raw, zip_code, load_id)
SELECT i,
       CASE WHEN hash(i, $seed, 'g') % 3 = 0 THEN 'F' ELSE 'M' END,
       (['Under 18', '18-24', '25-34', '35-44', '45-49', '50-55', '56+'])[(1 + hash(i, $seed, 'a') % 7)::BIGINT],
       NULL,
       'other',
       '0',
       lpad((hash(i, $seed, 'z') % 100000)::VARCHAR, 5, '0'),
       1
FROM range(1, $users + 1) AS t(i);

-- name: synthetic_movies
INSERT INTO movies (movie_id, title, year, title_raw, load_id)
SELECT 3 * i - 1,
       'Movie ' || i,
       1950 + (hash(i, $seed, 'y') % 70)::INTEGER,
       'Movie ' || i || ' (' || (1950 + hash(i, $seed, 'y') % 70) || ')',
       1
FROM range(1, $movies + 1) AS t(i);

-- name: synthetic_movie_genres
INSERT INTO movie_genres (movie_id, genre_id)
SELECT DISTINCT 3 * i - 1, (1 + hash(i, j, $seed, 'mg') % 18)::SMALLINT
FROM range(1, $movies + 1) AS t(i), range(0, 3) AS s(j)
WHERE j < hash(i, $seed, 'ng') % 4;

-- name: synthetic_ratings
INSERT INTO ratings (user_id, movie_id, rating, rated_at, load_id)
SELECT user_id, movie_id, any_value(rating), any_value(rated_at), 1
FROM (
    SELECT u AS user_id,
           3 * (1 + floor(($movies - $cold_movies) * pow((hash(u, j, $seed, 'm') % 1000003) / 1000003.0, 2))::BIGINT) - 1
               AS movie_id,
           (1 + hash(u, j, $seed, 'r') % 5)::FLOAT AS rating,
           TIMESTAMP '2000-01-01' + to_seconds((hash(u, j, $seed, 't') % 90000000)::BIGINT) AS rated_at
    FROM range(1, $users - $cold_users + 1) AS t(u),
         range(0, $per_user) AS s(j)
)
GROUP BY user_id, movie_id;
