from saiteki.core.jobs import job_kind


@job_kind("flow.tally")
def tally_requests(job, report) -> dict:
    """Count requests per state (the scheduled job of the test app)."""
    from .models import Request

    report(50, "counting")
    counts = {state: Request.objects.filter(state=state).count() for state in Request.State.values}
    return {"due_at": job.params.get("due_at"), **counts}
