-- age_groups: the ML-1M age bands, the one age vocabulary for every release (users.age_group).
CREATE TABLE age_groups (
    age_code INTEGER PRIMARY KEY,
    name     VARCHAR NOT NULL UNIQUE,
    min_age  INTEGER NOT NULL,
    max_age  INTEGER
);
INSERT INTO age_groups VALUES
    (1, 'Under 18', 0, 17),
    (18, '18-24', 18, 24),
    (25, '25-34', 25, 34),
    (35, '35-44', 35, 44),
    (45, '45-49', 45, 49),
    (50, '50-55', 50, 55),
    (56, '56+', 56, NULL);
COMMENT ON TABLE age_groups IS 'Age bands of ML-1M users.dat; ML-100K ages in years are mapped onto them by min_age..max_age';
COMMENT ON COLUMN age_groups.age_code IS 'The ML-1M age code (users.age_raw for ML-1M)';
COMMENT ON COLUMN age_groups.name IS 'Band name, the value of users.age_group';
COMMENT ON COLUMN age_groups.min_age IS 'Youngest age in years in the band';
COMMENT ON COLUMN age_groups.max_age IS 'Oldest age in years in the band; NULL for the open band 56+';
