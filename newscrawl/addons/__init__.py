"""Scrapy add-ons (ADDONS in settings.py)."""
