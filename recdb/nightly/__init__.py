"""The cron job (``pipeline.run_nightly``: load → train → score → evaluate), its job lock (``lock``),
run records (``records``) and status (``status``)."""
