"""Share data: how it is fetched (NEWSCRAWL_SHARE) and the component that fetches it."""
