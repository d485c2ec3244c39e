-- occupations: the ML-1M occupation vocabulary (codes 0-20), the one occupation vocabulary for every release.
CREATE TABLE occupations (
    occupation_code SMALLINT PRIMARY KEY,
    name            VARCHAR NOT NULL UNIQUE
);
INSERT INTO occupations VALUES
    (0, 'other'),
    (1, 'academic/educator'),
    (2, 'artist'),
    (3, 'clerical/admin'),
    (4, 'college/grad student'),
    (5, 'customer service'),
    (6, 'doctor/health care'),
    (7, 'executive/managerial'),
    (8, 'farmer'),
    (9, 'homemaker'),
    (10, 'K-12 student'),
    (11, 'lawyer'),
    (12, 'programmer'),
    (13, 'retired'),
    (14, 'sales/marketing'),
    (15, 'scientist'),
    (16, 'self-employed'),
    (17, 'technician/engineer'),
    (18, 'tradesman/craftsman'),
    (19, 'unemployed'),
    (20, 'writer');
COMMENT ON TABLE occupations IS 'Occupation vocabulary of ML-1M users.dat (codes 0-20); users.occupation holds the name';
COMMENT ON COLUMN occupations.occupation_code IS 'The ML-1M occupation code (users.occupation_raw for ML-1M); 0 is "other" or not specified';
COMMENT ON COLUMN occupations.name IS 'Occupation name, the value of users.occupation';
