-- users: demographics mapped to one vocabulary across releases; the raw values are kept beside them.
CREATE TABLE users (
    user_id        INTEGER PRIMARY KEY,
    gender         VARCHAR CHECK (gender IN ('M', 'F')),
    age_group      VARCHAR CHECK (age_group IN ('Under 18', '18-24', '25-34', '35-44', '45-49', '50-55', '56+')),
    age_raw        INTEGER,
    occupation     VARCHAR,
    occupation_raw VARCHAR,
    zip_code       VARCHAR,
    load_id        INTEGER NOT NULL REFERENCES loads (load_id)
);
COMMENT ON TABLE users IS 'MovieLens users; demographics are NULL where the release has none (ml-10m and later), never guessed';
COMMENT ON COLUMN users.user_id IS 'MovieLens UserID';
COMMENT ON COLUMN users.gender IS 'M or F; NULL when the release has no demographics';
COMMENT ON COLUMN users.age_group IS 'Age band in the ML-1M vocabulary (Under 18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+)';
COMMENT ON COLUMN users.age_raw IS 'Age as the release gives it: the ML-1M band code (1, 18, 25, ...) or ML-100K age in years';
COMMENT ON COLUMN users.occupation IS 'Occupation in the ML-1M vocabulary of 21 names';
COMMENT ON COLUMN users.occupation_raw IS 'Occupation as the release gives it: ML-1M code 0-20 or ML-100K name';
COMMENT ON COLUMN users.zip_code IS 'Zip code as given (text: leading zeros and foreign codes kept)';
COMMENT ON COLUMN users.load_id IS 'The load that added this user';
