"""Item pipelines: validate, claim (the first half of a two-phase write), write the markdown post (the second)."""
