"""The product as real processes: the embedded default, and gunicorn + workers on PG + RabbitMQ."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser import launch
from tests.e2e.product import distributed_product, embedded_product
from tests.helpers import require


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """`python -m services.embedded` on SQLite and the in-process broker."""
    with embedded_product(tmp_path_factory.mktemp("embedded")) as product:
        yield product


@pytest.fixture(scope="module")
def distributed(tmp_path_factory):
    """Each service as gunicorn (2 workers) plus its worker process, on PostgreSQL + RabbitMQ."""
    require("postgresql")
    require("rabbitmq")
    with distributed_product(tmp_path_factory.mktemp("distributed")) as product:
        yield product


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) for a module's page tests."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, embedded):
    """A fresh browser tab in Vietnamese on the embedded product."""
    context = browser.new_context(base_url=embedded.bases["tasks"], locale="vi-VN")
    yield context.new_page()
    context.close()
