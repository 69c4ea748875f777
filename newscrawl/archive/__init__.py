"""The archive on disk: where files go, the post file format, the archive state stores."""
