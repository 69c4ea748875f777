"""Scrapy extensions (EXTENSIONS in settings.py)."""
