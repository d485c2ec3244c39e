-- movie_genres: which genres each movie has (a movie may have none).
-- No FOREIGN KEY clauses on purpose (also in ratings and tags): DuckDB cannot delete a referenced parent
-- row in the transaction that deleted its children, so `recdb load --replace` could not swap a data set in
-- one transaction, and every FK costs an ART index on the child (measured: +1.3 s on ML-1M ratings).
-- recdb load checks the references before it inserts (tests/ingest check them after every load).
CREATE TABLE movie_genres (
    movie_id INTEGER NOT NULL,
    genre_id SMALLINT NOT NULL,
    PRIMARY KEY (movie_id, genre_id)
);
COMMENT ON TABLE movie_genres IS 'Genres of each movie; a movie with (no genres listed) has no rows';
COMMENT ON COLUMN movie_genres.movie_id IS 'The movie (references movies.movie_id; checked by recdb load)';
COMMENT ON COLUMN movie_genres.genre_id IS 'One of its genres (references genres.genre_id; checked by recdb load)';
