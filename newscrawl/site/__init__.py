"""Reading the site: its URL scheme, discovery, page readers and body conversion."""
