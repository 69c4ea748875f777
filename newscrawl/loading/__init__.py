"""Item loading: processors and the loader that turn what was read into a PostItem."""
