"""Evaluation pages, one module per area (see urls.py)."""
