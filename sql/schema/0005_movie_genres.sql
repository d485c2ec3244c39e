-- movie_genres: which genres each movie has (a movie may have none).
CREATE TABLE movie_genres (
    movie_id INTEGER NOT NULL REFERENCES movies (movie_id),
    genre_id SMALLINT NOT NULL REFERENCES genres (genre_id),
    PRIMARY KEY (movie_id, genre_id)
);
COMMENT ON TABLE movie_genres IS 'Genres of each movie; a movie with (no genres listed) has no rows';
COMMENT ON COLUMN movie_genres.movie_id IS 'The movie';
COMMENT ON COLUMN movie_genres.genre_id IS 'One of its genres';
