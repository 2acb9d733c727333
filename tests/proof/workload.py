"""The load the proof scenarios put on the product, and what the accepted requests imply.

Districts submit their yearly reports (kpi API) and the SCT coordinator moves its tasks
between `in_progress` and `blocked` (tasks API). Every request's answer is kept; the
expected end state is computed from the requests that returned 2xx only:

- each accepted report counts in the province KPIs of its year (AWARE = aware / potential);
- each accepted report moves its district's yearly reporting task to `submitted`, through
  the `report.submitted` event;
- each moved task ends in the state of its last accepted move;
- each `kpi.status_changed` event gives the head exactly one inbox message.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from tests.e2e.product import DistributedProduct
from tests.proof.events import rows

PASSWORD = "proof-password-0123"
DISTRICTS = ("TP-HAIDUONG", "TP-CHILINH", "TX-KINHMON", "H-BINHGIANG", "H-CAMGIANG",
             "H-GIALOC", "H-KIMTHANH", "H-NAMSACH")
YEARS = (2016, 2017, 2018, 2019, 2020)
HEAD = "giamdoc.sct"
COORDINATOR = "dieuphoi.sct"


def report_values(unit: str, year: int) -> dict:
    """The values a district sends for a year (fixed, so that a retry sends the same)."""
    i = DISTRICTS.index(unit) * 7 + (year - 2000)
    potential = 30 + i % 17
    aware = 10 + i % 19
    return {"facilities_cp_potential": potential, "facilities_aware": aware,
            "facilities_applying": aware // 3, "avg_saving_percent": 9.5,
            "officers_responsible": 4, "officers_trained": 3, "trainings_held": 2,
            "leaflets_issued": 100 + i, "narrative": f"Báo cáo {unit} năm {year}."}


def reporter(unit: str) -> str:
    """The proof reporter account of a district."""
    return f"proof.{unit.lower()}"


@dataclass
class Answer:
    """One request and what came back (status None: no answer at all)."""

    what: str
    status: int | None
    seconds: float
    body: str = ""
    retry_after: str | None = None
    content_type: str = ""


class Client:
    """Requests against the product, logging every answer; never raises on HTTP errors."""

    def __init__(self, product: DistributedProduct):
        self.product = product
        self.tokens: dict[str, str] = {}
        self.answers: list[Answer] = []

    def token(self, username: str, password: str | None = None, timeout: float = 60) -> str:
        """A bearer token, retried while the product is not answering."""
        if username in self.tokens:
            return self.tokens[username]
        password = password or self.product.passwords.get(username, PASSWORD)
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = requests.post(self.product.url("tasks", "/api/v1/auth/token"),
                                         json={"username": username, "password": password},
                                         timeout=10)
                if response.status_code == 200:
                    self.tokens[username] = response.json()["access_token"]
                    return self.tokens[username]
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{username} cannot log in")
            time.sleep(0.5)

    def call(self, method: str, service: str, path: str, username: str, *,
             what: str = "", timeout: float = 15, **kwargs) -> requests.Response | None:
        """One request as `username`; the answer is logged, None if none came."""
        headers = {"Authorization": f"Bearer {self.token(username)}"}
        started = time.monotonic()
        try:
            response = requests.request(method, self.product.url(service, path),
                                        headers=headers, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            self.answers.append(Answer(what or path, None, time.monotonic() - started,
                                       str(exc)[:200]))
            return None
        self.answers.append(Answer(what or path, response.status_code,
                                   time.monotonic() - started, response.text[:300],
                                   response.headers.get("Retry-After"),
                                   response.headers.get("Content-Type", "")))
        return response

    def get_json(self, service: str, path: str, username: str):
        """GET that must succeed."""
        response = self.call("GET", service, path, username, what="read")
        assert response is not None and response.status_code == 200, \
            (path, response and response.text)
        return response.json()

    def statuses(self, what: str | None = None) -> Counter:
        """How many answers of each status (None for no answer)."""
        return Counter(a.status for a in self.answers if what in (None, a.what))


@dataclass
class Workload:
    """Reports and task moves, with the expected end state of what was accepted."""

    client: Client
    units: dict[str, str] = field(default_factory=dict)  # code -> id
    reports: dict[tuple[str, int], dict] = field(default_factory=dict)  # accepted
    pending_reports: list[tuple[str, int]] = field(default_factory=list)
    tasks: dict[str, str] = field(default_factory=dict)  # task id -> expected status
    unanswered: set[tuple[str, int]] = field(default_factory=set)  # sent, no answer seen
    steps: int = 0
    uncertain_tasks: set[str] = field(default_factory=set)

    # -- setup ----------------------------------------------------------------------------

    def prepare(self, districts: tuple[str, ...] = DISTRICTS,
                years: tuple[int, ...] = YEARS) -> None:
        """Reporter accounts for the districts, the coordinator's tasks, the report queue."""
        client = self.client
        units = client.get_json("tasks", "/api/v1/units", "admin")
        self.units = {u["code"]: u["id"] for u in units}
        for unit in districts:
            response = client.call("POST", "tasks", "/api/v1/admin/users", "admin", json={
                "username": reporter(unit), "password": PASSWORD,
                "full_name": f"Cán bộ báo cáo {unit}", "unit_id": self.units[unit],
                "roles": ["reporter"]}, what="setup")
            assert response is not None and response.status_code == 201, response and response.text
        page = client.get_json("tasks", f"/api/v1/tasks?unit_id={self.units['SCT']}"
                                        "&status=in_progress&page_size=100", COORDINATOR)
        own = [t for t in page["items"] if t["lead_unit_id"] == self.units["SCT"]]
        self.tasks = {t["id"]: t["status"] for t in own[:6]}
        assert self.tasks, "the demo plan gives the SCT coordinator tasks in progress"
        self.pending_reports = [(u, y) for y in years for u in districts]
        for username in (COORDINATOR, HEAD, *map(reporter, districts)):
            client.token(username)  # logged in before any fault

    def wait_units_copied(self, timeout: float = 90) -> None:
        """Wait until kpi knows the districts (the `unit.upserted` events went through)."""
        unit = self.pending_reports[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.client.call("GET", "kpi", "/api/v1/reports/template?year=2020",
                                        reporter(unit), what="setup")
            if response is not None and response.status_code == 200:
                return
            time.sleep(0.5)
        pytest.fail("kpi never received the units")

    # -- steps ----------------------------------------------------------------------------

    def submit_next_report(self) -> Answer | None:
        """Submit the next district report; a 201 (or 409 after a lost answer) counts."""
        if not self.pending_reports:
            return None
        unit, year = self.pending_reports.pop(0)
        values = report_values(unit, year)
        response = self.client.call("POST", "kpi", "/api/v1/reports", reporter(unit),
                                    json={"year": year, "values": values, "submit": True},
                                    what="report")
        status = response.status_code if response is not None else None
        if status == 201 or (status == 409 and (unit, year) in self.unanswered):
            self.reports[(unit, year)] = values
        elif status in (None, 503):  # outcome unknown: retried later with the same values
            self.unanswered.add((unit, year))
            self.pending_reports.append((unit, year))
        return self.client.answers[-1]

    def move_next_task(self) -> Answer:
        """Move one coordinator task: in_progress <-> blocked; the accepted move counts."""
        task_id = min(self.tasks, key=lambda t: self.client.statuses(t).total())
        to = _other(self.tasks[task_id])
        response = self.client.call("POST", "tasks", f"/api/v1/tasks/{task_id}/transitions",
                                    COORDINATOR, json={"to": to, "reason": f"proof {to}"},
                                    what=task_id)
        status = response.status_code if response is not None else None
        if status == 200:
            self.tasks[task_id] = to
            self.uncertain_tasks.discard(task_id)
        elif status in (None, 503):  # the commit may or may not have happened
            self.uncertain_tasks.add(task_id)
        return self.client.answers[-1]

    def resync_uncertain_tasks(self) -> None:
        """Take the stored state of tasks whose last move had no clear answer."""
        for task_id in sorted(self.uncertain_tasks):
            task = self.client.get_json("tasks", f"/api/v1/tasks/{task_id}", COORDINATOR)
            assert task["status"] in (self.tasks[task_id], _other(self.tasks[task_id]))
            self.tasks[task_id] = task["status"]
        self.uncertain_tasks.clear()

    def step(self, report_every: int = 1) -> None:
        """One task move, and one report (if any left) every `report_every` steps."""
        self.steps += 1
        if self.steps % report_every == 0:
            self.submit_next_report()
        self.move_next_task()

    def run_for(self, seconds: float, *, pause: float = 0.05, report_every: int = 1) -> None:
        """Steps until `seconds` have passed."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.step(report_every)
            time.sleep(pause)

    def finish_reports(self) -> None:
        """Submit every report not yet accepted."""
        while self.pending_reports:
            self.step()

    # -- the expected end state -----------------------------------------------------------

    def expected_aware(self, year: int) -> float | None:
        """AWARE of a year from the accepted reports: 100 × Σ aware / Σ potential."""
        rows = [v for (_, y), v in self.reports.items() if y == year]
        if not rows:
            return None
        return 100 * sum(v["facilities_aware"] for v in rows) / sum(
            v["facilities_cp_potential"] for v in rows)

    def mismatches(self) -> list[str]:
        """Every difference between the product's state and what accepted requests imply."""
        problems: list[str] = []
        client = self.client
        self.resync_uncertain_tasks()
        for year in sorted({y for _, y in self.reports}):
            kpis = client.get_json("kpi", f"/api/v1/kpis?year={year}", HEAD)
            aware = next(k for k in kpis if k["indicator_code"] == "AWARE")["value"]
            expected = self.expected_aware(year)
            if aware is None or abs(aware - expected) > 0.01:
                problems.append(f"AWARE {year}: {aware} != {expected:.2f}")
        for (unit, year) in self.reports:
            page = client.get_json("tasks", f"/api/v1/tasks?kind=yearly_report&period_year="
                                            f"{year}&unit_id={self.units[unit]}", HEAD)
            statuses = [t["status"] for t in page["items"]]
            if statuses != ["submitted"]:
                problems.append(f"reporting task {unit} {year}: {statuses}")
        for task_id, status in self.tasks.items():
            actual = client.get_json("tasks", f"/api/v1/tasks/{task_id}", HEAD)["status"]
            if actual != status:
                problems.append(f"task {task_id}: {actual} != {status}")
        head = client.get_json("tasks", "/api/v1/me", HEAD)["id"]
        kpi_events = {str(r[0]) for r in rows(
            self.client.product.database_urls["kpi"],
            "SELECT event_id FROM outbox WHERE event_type = 'kpi.status_changed'")}
        in_inbox = [str(r[0]) for r in rows(
            self.client.product.database_urls["notifications"],
            f"SELECT event_id FROM inbox_messages WHERE user_id = '{head}' "
            "AND event_type = 'kpi.status_changed'")]
        if sorted(in_inbox) != sorted(kpi_events):
            problems.append(f"head inbox: {len(in_inbox)} kpi.status_changed messages "
                            f"({len(set(in_inbox))} distinct) for {len(kpi_events)} events")
        return problems


def _other(status: str) -> str:
    return "blocked" if status == "in_progress" else "in_progress"
