"""The registry: how a capability app plugs into the platform without core importing it.

An app *declares* what it contributes; core *discovers* it. Declarations live in the app:

* ``apps.py`` — the app's config subclasses :class:`SaitekiAppConfig` and sets ``url_prefix`` (its pages
  are mounted there from the app's ``urls.py``) and ``menu`` (:class:`MenuGroup`/:class:`MenuItem`, with
  the roles, rights or model permission that decide who sees each entry);
* ``api/urls.py`` — the app's API routes, included under ``/api/v1/`` by core's API root;
* the modules named in :data:`AUTODISCOVER` (``tasks``, ``importers``, ``exporters``, ``schedules``,
  ``kpi_sources``, ``search``, ``karte``, ``reports``, ``demo``) — imported once at start-up; importing
  them runs their ``registry.register_*`` calls (job kinds, importers, exporters, scheduled jobs, KPI
  sources, search sources, karte panels, annual-report sections, division-survey sheets, demo
  loaders);
* model views — :func:`register_model_view` on a view class, collected into URL patterns by
  :func:`get_model_urls` (NetBox's pattern), so a new view of a model needs no edit to a URL list.

The registry is plain data. Core reads it (menu, API root, job runner, scheduler, import pipeline,
global search); tests can read it too, and a test app declared only in the test settings proves that a
new app needs no edit in core.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig, apps
from django.urls import path
from django.utils.module_loading import module_has_submodule

#: Submodules imported from every Saiteki app at start-up; each registers what it declares.
AUTODISCOVER = (
    "tasks",
    "importers",
    "exporters",
    "schedules",
    "kpi_sources",
    "search",
    "karte",
    "reports",
    "demo",
)


@dataclass(frozen=True)
class MenuItem:
    """One menu link. Who sees it: ``roles`` (role names), ``right`` (a named right of the policy) or
    ``perm`` (``(action, "app_label.ModelName")``: the role may do this action on that model at all).
    With none set, every user with a role sees it."""

    label: Any
    url_name: str
    roles: tuple[str, ...] = ()
    right: str = ""
    perm: tuple[str, str] | None = None

    def visible_to(self, user) -> bool:
        from saiteki.core import permissions as perms

        role = perms.role_of(user)
        if role is None:
            return False
        if self.roles and role not in self.roles:
            return False
        if self.right and not perms.has_right(user, self.right):
            return False
        if self.perm is not None:
            action, label = self.perm
            if not perms.role_allows(user, action, apps.get_model(label)):
                return False
        return True


@dataclass(frozen=True)
class MenuGroup:
    """A menu heading. Groups with the same ``key`` declared by several apps are merged (e.g. 管理)."""

    key: str
    label: Any
    order: int
    items: tuple[MenuItem, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """A recurring job: ``job_kind`` is enqueued every ``every_minutes`` (or daily at ``at`` "HH:MM")."""

    name: str
    job_kind: str
    title: Any
    every_minutes: int = 0
    at: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A wrong declaration fails at start-up, not silently at 2 a.m. (see core/scheduler.py).
        import re

        if bool(self.every_minutes) == bool(self.at):
            raise ValueError(f"schedule {self.name!r}: give exactly one of every_minutes or at")
        if self.every_minutes and (not isinstance(self.every_minutes, int) or self.every_minutes < 1):
            raise ValueError(f"schedule {self.name!r}: every_minutes must be a positive integer")
        if self.at and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.at):
            raise ValueError(f"schedule {self.name!r}: at must be 'HH:MM'")


@dataclass(frozen=True)
class KpiSource:
    """A KPI computed from a capability's records (SPEC C5).

    ``compute(fiscal_year)`` returns the value for that fiscal year (as of its end, or as of today for
    the current year), or None when there is no data yet. ``unit`` is "%", "件", "円", "回", "台" …;
    ``higher_is_better`` tells the dashboard which way is good.
    """

    key: str
    label: Any
    unit: str
    compute: Callable[[int], Any]
    description: Any = ""
    higher_is_better: bool = True
    #: Optional drill-down: ``evidence(fiscal_year)`` returns the counted records and the figures used,
    #: ``{"records": [{"model": "ledger.system", "id": 1, "label": "…"}, …], "figures": {…}}``, so a
    #: closed year can freeze exactly what was counted. Sources without it show the value only.
    evidence: Callable[[int], dict] | None = None


@dataclass(frozen=True)
class Landing:
    """A landing page an app offers for the home URL (SPEC: dashboards per role).

    ``view`` is the dotted path of a function ``view(request) -> HttpResponse | None`` (None: not for
    this request, try the next). ``roles`` limits it to those roles (empty: every role). Core's home
    renders the first matching landing by ``order`` and falls back to its own menu page, so core never
    imports the app that provides the dashboard.
    """

    key: str
    view: str
    roles: tuple[str, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class SearchHit:
    """One result of a search source, already filtered to what the user may see."""

    title: str
    url: str
    snippet: str = ""
    score: float = 0.0
    kind: Any = ""


@dataclass(frozen=True)
class SearchSource:
    """A searchable kind of object (systems, karte entries, articles …) for the global search box.

    ``search(user, query, limit)`` returns at most ``limit`` :class:`SearchHit` objects the user may see,
    best first. Sources are responsible for their own permission filtering (``restrict(user, "view")``).
    """

    key: str
    label: Any
    search: Callable[[Any, str, int], list[SearchHit]]
    order: int = 100


@dataclass(frozen=True)
class KartePanel:
    """A section a capability adds to a system's karte (the ledger's system page).

    ``render(request, system)`` returns HTML (``render_to_string`` output) or ``""`` when there is
    nothing for this user — the panel does its own permission check, as search sources do. ``tab`` is
    one of the ledger's tabs (``"overview"``, ``"karte"``, ``"servers"`` …) or a key of the panel's own:
    then the karte gets a tab of that key labelled ``tab_label``. This is how the lifecycle risk, the
    review gates, linked articles and the BCP/backup status reach the karte without the ledger
    importing any of those apps.
    """

    key: str
    render: Callable[[Any, Any], str]
    tab: str = "overview"
    tab_label: Any = ""
    order: int = 100


@dataclass(frozen=True)
class ReportSection:
    """A chapter of the annual report to the IT strategy committee (SPEC C6).

    The chapter lists the year's stored KPI values whose source key starts with ``kpi_prefix``;
    ``table(fiscal_year)``, when given, adds the capability's own figures as
    ``{"caption": str, "columns": [str, …], "rows": [[…], …]}`` (or None when there is nothing that
    year), e.g. the review gates' exceptions or the planner's realised savings. The year-end close
    computes every chapter's table once and stores it with the close, and the report of a closed year
    prints the stored table; so a table may also read live records that keep changing (the renewal
    forecast) and the same closed year still prints the same report.
    """

    key: str
    title: Any
    kpi_prefix: str
    order: int = 100
    table: Callable[[int], dict | None] | None = None


@dataclass(frozen=True)
class SurveySection:
    """A sheet a capability adds to the division survey (調査票), answered by the division with the rest.

    ``importer`` (a registered importer's name, or an importer class kept out of the import menu)
    reads the sheet back: the survey dry-runs it with the
    ledger's sheets, shows its changes in the same diff and applies it in the same transaction. It is
    given ``division=`` (the survey's 所属) as an option and must keep to that division's systems,
    whoever applies the file. ``write(workbook, *, division, fiscal_year)`` appends the sheet to the
    (write-only openpyxl) workbook, prefilled from the records, and returns lines for 記入方法. This is
    how the backup practice reaches the survey without the ledger importing the resilience app.
    """

    key: str
    label: Any
    importer: Any
    write: Callable[..., list[str]]
    order: int = 100


@dataclass
class Registry:
    """Everything the apps declared. One instance, :data:`registry`."""

    job_kinds: dict[str, Callable] = field(default_factory=dict)
    importers: dict[str, Any] = field(default_factory=dict)
    exporters: dict[str, Any] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    kpi_sources: dict[str, KpiSource] = field(default_factory=dict)
    search_sources: dict[str, SearchSource] = field(default_factory=dict)
    demo_loaders: list[tuple[int, str, Callable]] = field(default_factory=list)
    model_views: dict[tuple[str, str], list[tuple[str, str, Any, dict]]] = field(default_factory=dict)
    guards: dict[str, list[Callable[..., None]]] = field(default_factory=dict)
    landings: dict[str, Landing] = field(default_factory=dict)
    karte_panels: dict[str, KartePanel] = field(default_factory=dict)
    report_sections: dict[str, ReportSection] = field(default_factory=dict)
    survey_sections: dict[str, SurveySection] = field(default_factory=dict)

    def _put(self, table: dict, key: str, value: Any, what: str) -> None:
        existing = table.get(key)
        if existing is not None and existing is not value and _qualname(existing) != _qualname(value):
            raise ValueError(f"{what} {key!r} is registered twice")
        table[key] = value

    def register_job_kind(self, name: str, fn: Callable) -> None:
        self._put(self.job_kinds, name, fn, "job kind")

    def register_importer(self, name: str, importer: Any) -> None:
        self._put(self.importers, name, importer, "importer")

    def register_exporter(self, name: str, exporter: Any) -> None:
        self._put(self.exporters, name, exporter, "exporter")

    def register_schedule(self, schedule: Schedule) -> None:
        self._put(self.schedules, schedule.name, schedule, "schedule")

    def register_kpi_source(self, source: KpiSource) -> None:
        self._put(self.kpi_sources, source.key, source, "KPI source")

    def register_search_source(self, source: SearchSource) -> None:
        self._put(self.search_sources, source.key, source, "search source")

    def register_landing(self, landing: Landing) -> None:
        self._put(self.landings, landing.key, landing, "landing page")

    def register_karte_panel(self, panel: KartePanel) -> None:
        self._put(self.karte_panels, panel.key, panel, "karte panel")

    def panels_for_tab(self, tab: str) -> list[KartePanel]:
        return sorted((p for p in self.karte_panels.values() if p.tab == tab), key=lambda p: (p.order, p.key))

    def karte_extra_tabs(self, known: set[str]) -> list[tuple[str, Any]]:
        """Tabs that panels add beyond the ledger's own (``known``), in panel order, each once."""
        tabs: dict[str, Any] = {}
        for p in sorted(self.karte_panels.values(), key=lambda p: (p.order, p.key)):
            if p.tab not in known and p.tab not in tabs:
                tabs[p.tab] = p.tab_label or p.tab
        return list(tabs.items())

    def register_report_section(self, section: ReportSection) -> None:
        self._put(self.report_sections, section.key, section, "report section")

    def sorted_report_sections(self) -> list[ReportSection]:
        return sorted(self.report_sections.values(), key=lambda s: (s.order, s.key))

    def register_survey_section(self, section: SurveySection) -> None:
        self._put(self.survey_sections, section.key, section, "survey section")

    def sorted_survey_sections(self) -> list[SurveySection]:
        return sorted(self.survey_sections.values(), key=lambda s: (s.order, s.key))

    def landings_for(self, role: str | None) -> list[Landing]:
        """The landing pages offered to ``role``, best first."""
        return sorted(
            (lp for lp in self.landings.values() if role and (not lp.roles or role in lp.roles)),
            key=lambda lp: (lp.order, lp.key),
        )

    def register_demo_loader(self, order: int, name: str, fn: Callable) -> None:
        if any(n == name for _o, n, _f in self.demo_loaders):
            return
        self.demo_loaders.append((order, name, fn))

    def sorted_demo_loaders(self) -> list[tuple[int, str, Callable]]:
        return sorted(self.demo_loaders, key=lambda x: x[0])

    def register_guard(self, point: str, fn: Callable[..., None]) -> None:
        """Add a check to a named write point that another app's services call (:func:`run_guards`).

        This is how one capability constrains another's writes without either importing the other's
        internals: the ledger's services call ``run_guards("ledger.budget_amount", ...)`` before
        recording a 予算額, and the review gates register a guard there that raises an
        ``ApplicationError`` when no approved 予算要求前審査 exists.
        """
        guards = self.guards.setdefault(point, [])
        if not any(_qualname(g) == _qualname(fn) for g in guards):
            guards.append(fn)


def run_guards(point: str, **context: Any) -> None:
    """Run every guard registered for ``point``; a guard refuses by raising an ``ApplicationError``
    with a Japanese message. Services call this inside their transaction, before writing, so a refusal
    changes nothing. Keyword arguments are the point's documented context (user, object, values)."""
    for guard in registry.guards.get(point, []):
        guard(**context)


def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


registry = Registry()


class SaitekiAppConfig(AppConfig):
    """Base for every Saiteki app: declares where its pages live and what its menu shows, and imports
    its registering submodules (:data:`AUTODISCOVER`) when Django is ready."""

    #: Where the app's ``urls.py`` is mounted ("ledger/"); None for an app without pages.
    url_prefix: str | None = None
    #: The app's menu contributions.
    menu: tuple[MenuGroup, ...] = ()

    def ready(self) -> None:
        for name in AUTODISCOVER:
            if module_has_submodule(self.module, name):
                importlib.import_module(f"{self.name}.{name}")


def saiteki_apps() -> Iterator[SaitekiAppConfig]:
    for config in apps.get_app_configs():
        if isinstance(config, SaitekiAppConfig):
            yield config


def menu_groups() -> list[MenuGroup]:
    """The menu of every installed app, groups merged by key and ordered."""
    merged: dict[str, MenuGroup] = {}
    for config in saiteki_apps():
        for group in config.menu:
            if group.key in merged:
                old = merged[group.key]
                merged[group.key] = MenuGroup(
                    old.key, old.label, min(old.order, group.order), old.items + group.items
                )
            else:
                merged[group.key] = group
    return sorted(merged.values(), key=lambda g: g.order)


def app_url_patterns() -> list:
    """``path(prefix, include(app.urls))`` for every app with pages — used by the root URLconf."""
    from django.urls import include

    patterns = []
    for config in saiteki_apps():
        if config.url_prefix is not None and module_has_submodule(config.module, "urls"):
            patterns.append(path(config.url_prefix, include(f"{config.name}.urls")))
    return patterns


def api_url_patterns() -> list:
    """Every app's ``api/urls.py`` patterns, for the API root (``/api/v1/``)."""
    from django.urls import include

    patterns = []
    for config in saiteki_apps():
        if config.label == "core":
            continue  # core's api/urls.py is the API root itself
        try:
            importlib.import_module(f"{config.name}.api.urls")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.api", f"{config.name}.api.urls"):
                raise
            continue
        patterns.append(path("", include(f"{config.name}.api.urls")))
    return patterns


# ---------------------------------------------------------------------------------------------------
# Model views (NetBox's register_model_view / get_model_urls)
# ---------------------------------------------------------------------------------------------------


def register_model_view(model, name: str, *, route: str | None = None, detail: bool = True, **kwargs):
    """Class decorator: this view is the ``name`` view of ``model``.

    ``detail`` views get ``<int:pk>/<route>/`` (``route`` defaults to ``name``; "" for the object page
    itself), list views ``<route>/``. The URL name is ``<model_name>_<name>`` (``<model_name>_list`` …)
    in the app's namespace. Collect them with :func:`get_model_urls` in the app's ``urls.py``.
    """

    def decorator(view_class):
        key = (model._meta.app_label, model._meta.model_name)
        entries = registry.model_views.setdefault(key, [])
        entries[:] = [e for e in entries if e[0] != name]
        r = name if route is None else route
        url = f"<int:pk>/{r}/" if detail and r else ("<int:pk>/" if detail else (f"{r}/" if r else ""))
        entries.append((name, url, view_class, kwargs))
        return view_class

    return decorator


def get_model_urls(app_label: str, model_name: str) -> list:
    """URL patterns for every view registered for the model (to include under the model's prefix)."""
    out = []
    for name, url, view_class, kwargs in registry.model_views.get((app_label, model_name), []):
        out.append(path(url, view_class.as_view(**kwargs), name=f"{model_name}_{name}"))
    return out
