-- occupation_aliases: how the ML-100K occupation names map onto the ML-1M vocabulary (occupations).
-- Names without a matching ML-1M occupation (entertainment, librarian, none) map to 'other', as ML-1M
-- itself files unlisted jobs; the raw name stays in users.occupation_raw.
CREATE TABLE occupation_aliases (
    raw_name   VARCHAR PRIMARY KEY,
    occupation VARCHAR NOT NULL REFERENCES occupations (name)
);
INSERT INTO occupation_aliases VALUES
    ('administrator', 'clerical/admin'),
    ('artist', 'artist'),
    ('doctor', 'doctor/health care'),
    ('educator', 'academic/educator'),
    ('engineer', 'technician/engineer'),
    ('entertainment', 'other'),
    ('executive', 'executive/managerial'),
    ('healthcare', 'doctor/health care'),
    ('homemaker', 'homemaker'),
    ('lawyer', 'lawyer'),
    ('librarian', 'other'),
    ('marketing', 'sales/marketing'),
    ('none', 'other'),
    ('other', 'other'),
    ('programmer', 'programmer'),
    ('retired', 'retired'),
    ('salesman', 'sales/marketing'),
    ('scientist', 'scientist'),
    ('student', 'college/grad student'),
    ('technician', 'technician/engineer'),
    ('writer', 'writer');
COMMENT ON TABLE occupation_aliases IS 'ML-100K occupation names (u.occupation) mapped onto the ML-1M vocabulary';
COMMENT ON COLUMN occupation_aliases.raw_name IS 'Occupation as ML-100K u.user writes it (users.occupation_raw)';
COMMENT ON COLUMN occupation_aliases.occupation IS 'The ML-1M occupation it maps to (users.occupation)';
