"""Whether a finished run went wrong, from its stats."""


def failed_request_share(stats: dict) -> float:
    """Requests that ended in failure, over all the spider's requests that ended."""
    failed = stats.get("newscrawl/request_failed", 0)
    answered = stats.get("response_received_count", 0)
    ended = failed + answered
    return failed / ended if ended else 0.0


def run_problems(stats: dict, settings) -> list[str]:
    """Why the run should exit non-zero; empty for a good run."""
    problems = []
    reason = stats.get("finish_reason")
    if reason != "finished":
        problems.append(f"finish reason {reason!r}")
    errors = stats.get("log_count/ERROR", 0)
    if errors:
        problems.append(f"{errors} ERROR log line(s)")
    share = failed_request_share(stats)
    limit = settings.getfloat("NEWSCRAWL_MAX_FAILED_SHARE")
    if share > limit:
        problems.append(f"{share:.0%} of requests failed (NEWSCRAWL_MAX_FAILED_SHARE={limit:g})")
    return problems
