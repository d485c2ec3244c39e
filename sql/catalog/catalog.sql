-- The catalogue every model scores: users with demographics, movies with their genre lists.

-- name: catalog_users
SELECT user_id, gender, age_group, occupation
FROM users
ORDER BY user_id;

-- name: catalog_movies
SELECT m.movie_id, m.title, m.year,
       coalesce(list(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), []::VARCHAR[]) AS genres
FROM movies AS m
LEFT JOIN movie_genres AS mg USING (movie_id)
LEFT JOIN genres AS g USING (genre_id)
GROUP BY m.movie_id, m.title, m.year
ORDER BY m.movie_id;
