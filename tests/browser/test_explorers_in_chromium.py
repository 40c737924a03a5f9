"""The explorers work in a real browser on a network with no internet (``.ci/browser.sh``).

Headless Chromium (Debian's, driven by its chromedriver through Selenium) reaches nothing but loopback: every
other address goes to a proxy that does not exist. Swagger UI lists the operations, authorizes with a key and runs
a call that needs it; ReDoc lists the operations; GraphiQL runs a query. Every request each page made is checked
to have stayed on the service's own origin, and the console to be free of errors. Skipped where Chromium, its
driver or Selenium is missing (the CI script installs them).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.reliability.live import LiveServer
from tests.test_serve_e2e import _printed_demo_key

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="run .ci/browser.sh: it installs Selenium")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="run .ci/browser.sh: it installs Chromium")
By = pytest.importorskip("selenium.webdriver.common.by").By
TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, str]]:
    live = LiveServer(demo=True, env={"PATHWAYS_ENVIRONMENT": "development"}).start()
    try:
        yield live.base_url, _printed_demo_key(live.log)
    finally:
        live.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="pathways-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}",
                 # no internet: everything but loopback (which Chromium never proxies) goes to a dead proxy
                 "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(what: str, probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            found = probe()
        except Exception:  # the page is still rendering
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _requests_and_errors(driver: Any) -> tuple[list[str], list[str]]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return urls, errors


def _stayed_home(driver: Any, base_url: str) -> None:
    urls, errors = _requests_and_errors(driver)
    network = [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))]  # not the browser's own chrome://
    home = (base_url, base_url.replace("http:", "ws:", 1))
    elsewhere = [u for u in network if not u.startswith(home)]
    assert network and not elsewhere, f"requests outside the service: {elsewhere}"
    assert not errors, f"console errors: {errors}"


def test_swagger_ui_lists_the_operations_authorizes_with_a_key_and_runs_a_call(server, browser, tmp_path: Path):
    base_url, key = server
    browser.get(f"{base_url}/docs")
    operations = _wait("the operations list", lambda: len(browser.find_elements(By.CSS_SELECTOR, ".opblock")) > 100)
    assert operations
    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    field = _wait("the key field", lambda: browser.find_element(By.CSS_SELECTOR, ".modal-ux input"))
    field.send_keys(key)
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()
    block = browser.find_element(By.ID, "operations-systems-listSystems")
    block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    _wait("the execute button", lambda: block.find_element(By.CSS_SELECTOR, "button.execute")).click()
    status = _wait("the response", lambda: block.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response .response-col_status").text.strip())
    body = _wait("the response body", lambda: block.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response-col_description pre").text)
    curl = block.find_element(By.CSS_SELECTOR, ".curl-command").text
    browser.save_screenshot(str(tmp_path / "swagger-ui.png"))
    assert status == "200", f"{status}: {body[:500]}"
    assert '"items"' in body, body[:500]
    assert f"Authorization: Bearer {key}" in curl, curl
    _stayed_home(browser, base_url)


def test_redoc_lists_the_operations(server, browser):
    base_url, _ = server
    browser.get(f"{base_url}/redoc")
    count = _wait("the operations", lambda: len(browser.find_elements(
        By.CSS_SELECTOR, "[data-section-id^='operation/']")) > 100)
    assert count
    assert "listPartners" in browser.page_source or browser.find_elements(
        By.CSS_SELECTOR, "[data-section-id='operation/listPartners']")
    _stayed_home(browser, base_url)


def test_graphiql_runs_a_query(server, browser):
    base_url, _ = server
    query = "{ partners(first: 2) { edges { node { name } } } }"
    browser.get(f"{base_url}/graphql?q={quote(query)}")
    _wait("the execute button", lambda: browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button")).click()
    result = _wait("the result", lambda: (t := browser.find_element(By.CSS_SELECTOR, ".result-window").text)
                   and '"name"' in t and t)
    assert '"partners"' in result and '"errors"' not in result
    _stayed_home(browser, base_url)
