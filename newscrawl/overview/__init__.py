"""The archive at a glance: counts per day and category, the chart, the report page."""
