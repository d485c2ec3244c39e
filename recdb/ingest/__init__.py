"""MovieLens ingestion: ``recdb.ingest.load.load_dataset`` reads any GroupLens layout (folder or zip)
into DuckDB; ``recdb.ingest.demo`` generates demo data and ``recdb.ingest.fetch`` downloads releases."""
