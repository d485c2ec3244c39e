"""SQL files of recdb, installed as package data (``recdb.sql``); see ``recdb.db.sql``."""
