"""Every kind of background job, for the worker that runs them and the upkeep that lets go of
their uploads."""

from __future__ import annotations

from traceapp import jobqueue


def kinds() -> list[jobqueue.Kind]:
    """The kinds of job; importing their modules registers them."""
    from traceapp.batches import epcis_jobs
    from traceapp.cooperatives import member_jobs
    from traceapp.labels import jobs
    from traceapp.programmes import import_jobs as attendance_jobs
    from traceapp.zones import import_jobs

    return [jobs.KIND, epcis_jobs.KIND, import_jobs.KIND, member_jobs.KIND, attendance_jobs.KIND]
