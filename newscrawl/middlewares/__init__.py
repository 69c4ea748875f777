"""Downloader middlewares (DOWNLOADER_MIDDLEWARES in settings.py)."""
