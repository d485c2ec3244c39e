"""The recommendation models: small readable torch modules (see ``model/towers.py``)."""
