"""Item pipelines: validate, deduplicate by infoCode, write markdown posts."""
