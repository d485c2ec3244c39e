-- runs.exit_code: a damaged database file ends a run with its own exit code, 6 (recdb/errors.py).
COMMENT ON COLUMN runs.exit_code IS 'Process exit code the run ended with: 0 ok, 2 config, 3 data, 4 job failed, 6 damaged database (see docs/operations.md); NULL while running or abandoned';
