from saiteki.core.jobs import job_kind


@job_kind("plugin.count")
def count_gadgets(job, report) -> dict:
    from .models import Gadget

    report(50, "counting")
    return {"count": Gadget.objects.count()}
