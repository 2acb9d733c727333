"""Who may call what: the access rules of DESIGN.md and RELIABILITY.md S1-S3, as a table.

Written from the design, not read from the code. Every route of every service needs a
rule here; the matrix test fails on a route without one.

Vocabulary
- roles: who passes the role gate; "coordinator@SCT" is a coordinator of that unit only.
- scope "any": not about a unit's objects (lists are filtered, see `list_key`);
  "unit": the route names an object of district A (OWNER); callers not named in `sees`
  (units, roles or role@unit) get 404;
  "user": an object of one user (the district A reporter); everyone else gets 404;
  "none": an id that does not exist: whoever passes the role gate gets 404.
- order: "scope" when an object outside the caller's scope is 404 before any role check
  (a caller must not learn that it exists); "role" when a role gate comes first (403).
- audited: a 2xx change must leave exactly one audit row (S4).
"""

from __future__ import annotations

from dataclasses import dataclass

OWNER = "TP-HAIDUONG"  # district A: owns every object the {id} routes name
ALL = frozenset({"admin", "head", "coordinator", "reporter", "viewer"})


@dataclass(frozen=True)
class Rule:
    """The access rule of one route and method."""

    roles: frozenset[str] = ALL
    scope: str = "any"  # any | unit | user | none | public | page
    sees: frozenset[str] = frozenset({OWNER, "admin", "head"})  # units, roles, role@unit
    order: str = "scope"
    list_key: str | None = None  # a list: every item's unit field must be the caller's
    audited: bool = True


def roles(*names: str) -> frozenset[str]:
    """A set of roles (role or role@UNIT)."""
    return frozenset(names)


PUBLIC, PAGE = Rule(scope="public"), Rule(scope="page")
ADMIN = Rule(roles=roles("admin"), order="role")
MANAGERS = roles("admin", "head", "coordinator")
WRITERS = roles("admin", "head", "coordinator", "reporter")  # viewers only read
TASK = frozenset({OWNER, "SCT", "admin", "head"})  # assignee, lead unit (SCT), head, admin
DISTRICT_REPORTERS = roles(*(f"{r}@{u}" for r in ("reporter", "coordinator")
                             for u in (OWNER, "H-GIALOC")))  # only districts file reports
KPI_SEES = frozenset({OWNER, "coordinator@SCT", "admin", "head"})  # reviewers read all reports

T, N, K = "/tasks/api/v1", "/notifications/api/v1", "/kpi/api/v1"
RULES: dict[str, Rule] = {
    # --- every service: health, readiness, OpenAPI, static, pages
    **{f"GET /{s}/{p}": PUBLIC for s in ("tasks", "notifications", "kpi")
       for p in ("healthz", "readyz", "api/openapi.json", "static/<path:filename>")},
    "GET /static/<path:filename>": PUBLIC,
    "GET /tasks/": PAGE, "GET /tasks/login": PAGE, "POST /tasks/login": PAGE,
    "POST /tasks/logout": PAGE, "GET /notifications/inbox": PAGE,
    "POST /notifications/inbox/<uuid:message_id>/read": PAGE,
    "POST /notifications/inbox/read-all": PAGE,
    # --- tasks
    f"POST {T}/auth/token": PUBLIC,
    f"GET {T}/calendar/feeds/<secret:token>.ics": PUBLIC,  # the secret URL is the credential
    f"GET {T}/me": Rule(),
    f"POST {T}/me/password": Rule(),
    f"GET {T}/units": Rule(),
    f"GET {T}/tasks": Rule(list_key="tasks"),
    f"POST {T}/tasks": Rule(roles=MANAGERS, order="role"),
    f"GET {T}/tasks/<uuid:task_id>": Rule(scope="unit", sees=TASK),
    f"PATCH {T}/tasks/<uuid:task_id>": Rule(
        scope="unit", sees=TASK, roles=roles("admin", "head", "coordinator@SCT",
                                             f"coordinator@{OWNER}", f"reporter@{OWNER}")),
    f"POST {T}/tasks/<uuid:task_id>/transitions": Rule(scope="unit", sees=TASK),
    f"GET {T}/tasks/<uuid:task_id>/history": Rule(scope="unit", sees=TASK),
    f"GET {T}/tasks/<uuid:task_id>/comments": Rule(scope="unit", sees=TASK),
    f"POST {T}/tasks/<uuid:task_id>/comments": Rule(scope="unit", sees=TASK, roles=WRITERS),
    f"GET {T}/tasks/<uuid:task_id>/attachments": Rule(scope="unit", sees=TASK),
    f"POST {T}/tasks/<uuid:task_id>/attachments": Rule(scope="unit", sees=TASK, roles=WRITERS),
    f"GET {T}/tasks/<uuid:task_id>/attachments/<uuid:attachment_id>": Rule(
        scope="unit", sees=TASK),
    f"GET {T}/stats/timeliness": Rule(),
    f"GET {T}/plans": Rule(),
    f"POST {T}/plans": Rule(roles=roles("admin", "head"), order="role"),
    f"GET {T}/plans/<uuid:plan_id>": Rule(),
    f"GET {T}/plans/<uuid:plan_id>/duties": Rule(),
    f"POST {T}/plans/<uuid:plan_id>/duties": Rule(
        roles=roles("admin", "head", "coordinator@SCT"), order="role"),
    f"PUT {T}/duties/<uuid:duty_id>/rule": Rule(
        roles=roles("admin", "head", "coordinator@SCT"), order="role"),
    f"GET {T}/calendar/overrides": Rule(),
    f"PUT {T}/calendar/overrides/<day>": ADMIN,
    f"DELETE {T}/calendar/overrides/<day>": ADMIN,
    f"GET {T}/calendar/feeds": Rule(),
    f"POST {T}/calendar/feeds": Rule(),
    f"DELETE {T}/calendar/feeds/<secret:token>": Rule(scope="user"),
    f"POST {T}/admin/units": ADMIN,
    f"PATCH {T}/admin/units/<uuid:unit_id>": ADMIN,
    f"GET {T}/admin/users": ADMIN,
    f"POST {T}/admin/users": ADMIN,
    f"PATCH {T}/admin/users/<uuid:user_id>": ADMIN,
    # --- notifications: one's own inbox and preferences; webhooks for managers of a unit
    f"GET {N}/inbox": Rule(),
    f"GET {N}/inbox/unread-count": Rule(),
    f"POST {N}/inbox/<uuid:message_id>/read": Rule(scope="user"),
    f"POST {N}/inbox/read-all": Rule(),
    f"GET {N}/preferences": Rule(),
    f"PUT {N}/preferences": Rule(),
    f"GET {N}/webhooks": Rule(roles=roles("admin", "coordinator"), order="role"),
    f"POST {N}/webhooks": Rule(roles=roles("admin", "coordinator"), order="role"),
    f"DELETE {N}/webhooks/<uuid:webhook_id>": Rule(
        scope="unit", roles=roles("admin", "coordinator"), sees=frozenset({OWNER, "admin"}),
        order="role"),
    f"POST {N}/webhooks/<uuid:webhook_id>/enable": Rule(
        scope="unit", roles=roles("admin", "coordinator"), sees=frozenset({OWNER, "admin"}),
        order="role"),
    f"GET {N}/deliveries": Rule(),
    f"GET {N}/deliveries/<uuid:delivery_id>": Rule(scope="none"),
    f"POST {N}/deliveries/<uuid:delivery_id>/retry": Rule(
        scope="none", roles=roles("admin"), order="role"),
    f"POST {N}/dead-letters/requeue": ADMIN,
    # --- kpi: a district's reports are its own; the head and SCT's coordinators review all
    f"GET {K}/reports": Rule(list_key="reports"),
    f"POST {K}/reports": Rule(roles=DISTRICT_REPORTERS, order="role"),
    f"GET {K}/reports/template": Rule(roles=DISTRICT_REPORTERS, order="role"),
    f"POST {K}/reports/upload": Rule(roles=DISTRICT_REPORTERS, order="role"),
    f"GET {K}/reports/<uuid:report_id>": Rule(scope="unit", sees=KPI_SEES),
    f"GET {K}/reports/<uuid:report_id>/versions": Rule(scope="unit", sees=KPI_SEES),
    f"PATCH {K}/reports/<uuid:report_id>": Rule(
        scope="unit", sees=KPI_SEES, roles=roles(f"reporter@{OWNER}", f"coordinator@{OWNER}")),
    f"POST {K}/reports/<uuid:report_id>/submit": Rule(
        scope="unit", sees=KPI_SEES, roles=roles(f"reporter@{OWNER}", f"coordinator@{OWNER}")),
    f"POST {K}/reports/<uuid:report_id>/approve": Rule(
        scope="unit", sees=KPI_SEES, roles=roles("head", "coordinator@SCT"), order="role"),
    f"POST {K}/reports/<uuid:report_id>/return": Rule(
        scope="unit", sees=KPI_SEES, roles=roles("head", "coordinator@SCT"), order="role"),
    f"GET {K}/kpis": Rule(),
    f"GET {K}/kpis/<string:code>/explain": Rule(),
    f"GET {K}/summary": Rule(),
    f"GET {K}/summary/export": Rule(),
    f"GET {K}/indicators": Rule(),
    f"PATCH {K}/indicators/<string:code>": ADMIN,
    # --- pages (issue 6): who may open them is in PAGES below; every form needs its CSRF token
    "GET /kpi/": PAGE,
    "GET /kpi/admin/indicators": PAGE,
    "GET /kpi/admin/indicators/<code>": PAGE,
    "GET /kpi/dashboard": PAGE,
    "GET /kpi/indicators/<string:code>": PAGE,
    "GET /kpi/reports": PAGE,
    "GET /kpi/reports/<uuid:report_id>": PAGE,
    "GET /kpi/reports/new": PAGE,
    "GET /kpi/reports/template": PAGE,
    "GET /kpi/reports/upload": PAGE,
    "GET /notifications/admin/deliveries": PAGE,
    "GET /notifications/admin/webhooks": PAGE,
    "GET /notifications/preferences": PAGE,
    "GET /tasks/admin/holidays": PAGE,
    "GET /tasks/admin/units": PAGE,
    "GET /tasks/admin/units/<uuid:unit_id>": PAGE,
    "GET /tasks/admin/users": PAGE,
    "GET /tasks/admin/users/<uuid:user_id>": PAGE,
    "GET /tasks/calendar": PAGE,
    "GET /tasks/duties": PAGE,
    "GET /tasks/duties/<uuid:duty_id>/edit": PAGE,
    "GET /tasks/duties/new": PAGE,
    "GET /tasks/tasks": PAGE,
    "GET /tasks/tasks/<uuid:task_id>": PAGE,
    "POST /kpi/admin/indicators/<code>": PAGE,
    "POST /kpi/reports/<uuid:report_id>": PAGE,
    "POST /kpi/reports/<uuid:report_id>/approve": PAGE,
    "POST /kpi/reports/<uuid:report_id>/return": PAGE,
    "POST /kpi/reports/new": PAGE,
    "POST /kpi/reports/upload": PAGE,
    "POST /kpi/reports/upload/confirm": PAGE,
    "POST /notifications/admin/deliveries/<uuid:delivery_id>/retry": PAGE,
    "POST /notifications/admin/webhooks": PAGE,
    "POST /notifications/admin/webhooks/<uuid:webhook_id>/disable": PAGE,
    "POST /notifications/admin/webhooks/<uuid:webhook_id>/enable": PAGE,
    "POST /notifications/preferences": PAGE,
    "POST /tasks/admin/holidays": PAGE,
    "POST /tasks/admin/holidays/<day>/delete": PAGE,
    "POST /tasks/admin/units": PAGE,
    "POST /tasks/admin/units/<uuid:unit_id>": PAGE,
    "POST /tasks/admin/users": PAGE,
    "POST /tasks/admin/users/<uuid:user_id>": PAGE,
    "POST /tasks/admin/users/<uuid:user_id>/active": PAGE,
    "POST /tasks/calendar/feeds": PAGE,
    "POST /tasks/duties/<uuid:duty_id>/edit": PAGE,
    "POST /tasks/duties/new": PAGE,
    "POST /tasks/tasks/<uuid:task_id>/attachments": PAGE,
    "POST /tasks/tasks/<uuid:task_id>/comments": PAGE,
    "POST /tasks/tasks/<uuid:task_id>/edit": PAGE,
    "POST /tasks/tasks/<uuid:task_id>/transition": PAGE,
}

# Per-unit figures (S2): who reads every unit's, and where they are listed. A caller not in
# SEES_EVERY_UNIT (the report reviewers and the admin) sees its own unit and the province
# only: no other unit's id, code, name, report or value. 2018: every district's report counts.
SEES_EVERY_UNIT = roles("admin", "head", "coordinator@SCT")
UNIT_FIGURES: dict[str, str] = {  # API route -> query
    f"GET {K}/kpis/<string:code>/explain": "?year=2018",
    f"GET {K}/summary": "?year=2018",
    f"GET {K}/summary/export": "?year=2018",
    f"GET {K}/reports": "?year=2018",
}
UNIT_FIGURE_PAGES: dict[str, str] = {  # page -> query
    "GET /kpi/indicators/<string:code>": "?year=2018",
    "GET /kpi/dashboard": "?year=2018",
    "GET /kpi/reports": "",
}


def districts_seen(role: str, unit: str, districts: tuple[str, ...]) -> set[str]:
    """The districts whose figures this caller may see: all for reviewers, else its own."""
    if matches(SEES_EVERY_UNIT, role, unit):
        return set(districts)
    return {unit} & set(districts)


@dataclass(frozen=True)
class PageRule:
    """Who may open a page (GET) and what everyone else gets."""

    roles: frozenset[str] = ALL
    refused: str = "403"  # "404" where even the page's existence is not for others
    sees: frozenset[str] | None = None  # a page of one object of district A: who may see it
    query: str = ""


ADMIN_PAGE = PageRule(roles=roles("admin"), refused="404")
MANAGER_PAGE = PageRule(roles=MANAGERS)
REPORTING_PAGE = PageRule(roles=DISTRICT_REPORTERS)
PAGES: dict[str, PageRule] = {
    "GET /tasks/": PageRule(), "GET /tasks/tasks": PageRule(), "GET /tasks/calendar": PageRule(),
    "GET /tasks/tasks/<uuid:task_id>": PageRule(sees=TASK),
    "GET /tasks/duties": MANAGER_PAGE, "GET /tasks/duties/<uuid:duty_id>/edit": MANAGER_PAGE,
    "GET /tasks/duties/new": PageRule(roles=MANAGERS, query="?plan_id={plan_id}"),
    **{f"GET /tasks/admin/{p}": ADMIN_PAGE for p in ("units", "units/<uuid:unit_id>", "users",
                                                     "users/<uuid:user_id>", "holidays")},
    "GET /notifications/inbox": PageRule(), "GET /notifications/preferences": PageRule(),
    "GET /notifications/admin/deliveries": ADMIN_PAGE,
    "GET /notifications/admin/webhooks": ADMIN_PAGE,
    "GET /kpi/": PageRule(), "GET /kpi/dashboard": PageRule(), "GET /kpi/reports": PageRule(),
    "GET /kpi/indicators/<string:code>": PageRule(),  # the province's KPIs are read by everyone
    "GET /kpi/reports/<uuid:report_id>": PageRule(sees=KPI_SEES),
    "GET /kpi/reports/new": PageRule(roles=DISTRICT_REPORTERS, query="?year=2020"),
    "GET /kpi/reports/template": PageRule(roles=DISTRICT_REPORTERS, query="?year=2020"),
    "GET /kpi/reports/upload": REPORTING_PAGE,
    "GET /kpi/admin/indicators": ADMIN_PAGE, "GET /kpi/admin/indicators/<code>": ADMIN_PAGE,
}


def expected_page(rule: PageRule, role: str, unit: str) -> str:
    """'pass', '403' or '404' for a caller of this role and unit opening the page."""
    if rule.sees is not None and not matches(rule.sees, role, unit):
        return "404"
    return "pass" if matches(rule.roles, role, unit) else rule.refused


def matches(names: frozenset[str], role: str, unit: str) -> bool:
    """True if the role, the unit, or role@unit is named."""
    return bool({role, unit, f"{role}@{unit}"} & names)


def expected(rule: Rule, role: str, unit: str, *, is_owner_user: bool) -> str:
    """'pass', '403' or '404' for a caller of this role and unit."""
    role_ok = matches(rule.roles, role, unit)
    if rule.scope == "unit":
        in_scope = matches(rule.sees, role, unit)
    elif rule.scope == "user":
        in_scope = is_owner_user
    else:
        in_scope = rule.scope != "none"
    checks = [(role_ok, "403"), (in_scope, "404")]
    if rule.order == "scope":
        checks.reverse()
    for ok, status in checks:
        if not ok:
            return status
    return "pass"
