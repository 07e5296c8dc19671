from django.urls import path

from saiteki.core.importing import urls as importing_urls
from saiteki.core.views import attachments, inbox, operations, pages, schedules, workflow

app_name = "core"

urlpatterns = [
    path("", pages.home, name="home"),
    path("fiscal-year/", pages.fiscal_year_switch, name="fiscal_year_switch"),
    path("preferences/date-style/", pages.date_style_switch, name="date_style_switch"),
    path("karte/<int:content_type_id>/<int:object_id>/add/", pages.journal_add, name="journal_add"),
    path("karte/attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path("audit-log/", pages.audit_log, name="audit_log"),
    path("jobs/selftest/", pages.job_selftest, name="job_selftest"),
    path("jobs/<uuid:pk>/", pages.job_detail, name="job_detail"),
    path("jobs/<uuid:pk>/progress/", pages.job_progress, name="job_progress"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.inbox_read, name="inbox_read"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/preferences/", inbox.inbox_preferences, name="inbox_preferences"),
    path("schedules/", schedules.schedules, name="schedules"),
    path("operations/", operations.operations, name="operations"),
    path("schedules/<str:name>/run/", schedules.schedule_run, name="schedule_run"),
    path("transition/<int:content_type_id>/<int:object_id>/", workflow.transition, name="transition"),
]

# The generic import pages (upload → preview → apply, template) of every registered importer.
urlpatterns += importing_urls.urlpatterns

# The global search box in the header (sources are registered by the apps).
from saiteki.core.views import search as search_views  # noqa: E402

urlpatterns += [path("search/", search_views.global_search, name="search")]
