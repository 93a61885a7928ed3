"""The send form in a real browser: Voila serves the notebook, Chromium fills it in and sends.

Voila serves ``notebooks/02_send_form.ipynb`` (copied into a temporary directory, which is the
kernel's working directory; ``$ITNIOTECH_JOURNAL`` points the journal there too) on 127.0.0.1;
playwright drives Debian's Chromium headless: choose the phone column, fill in the message and
the campaign label, open the campaign options (calling hours, a number not to call, rates),
Check and read the plan's counts, Send and confirm against the sandbox, wait for the outcome
and the results summary, download the results as CSV and Excel, fetch the call records and
send the follow-up to the unanswered. Every request the page makes to anywhere but 127.0.0.1 is
aborted. A screenshot of the finished form is saved to ``test-artifacts/send_form.png`` (and
to ``docs/send_form.png`` with ``UPDATE_SCREENSHOT=1``). Then JupyterLab's dark theme is put
on the page (its style sheet, as Voila ships it, and ``data-jp-theme-light="false"``): every
text the form colours must keep a contrast of at least 4.5:1 with the background it is drawn
on, in the light theme and in the dark one (``test-artifacts/send_form_dark.png``).

Chromium comes from ``apt-get install chromium`` (``.ci/run`` installs it). Without it the test
is skipped, loudly.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_send_form.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOT = ARTIFACTS / "send_form.png"
DARK_SCREENSHOT = ARTIFACTS / "send_form_dark.png"
DARK_THEME = (
    Path(sys.prefix) / "share/jupyter/voila/themes/@jupyterlab/theme-dark-extension/index.css"
)
"""JupyterLab's dark theme, as Voila ships it."""
README_SCREENSHOT = ROOT / "docs" / "send_form.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
]
START_TIMEOUT = 90.0  # seconds for Voila to answer and the kernel to draw the form
SEND_TIMEOUT = 60_000  # milliseconds for the send to end and the summary to appear
STDERR = "application/vnd.jupyter.stderr"  # how Voila shows a cell that failed
ERROR = "application/vnd.jupyter.error"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _loud_skip(config: pytest.Config, reason: str) -> None:
    """Skip, saying so on stderr past pytest's capture, and in the short summary (-ra)."""
    banner = "!" * 78
    message = f"\n{banner}\nBROWSER TEST SKIPPED: {reason}\n{banner}\n"
    capture = config.pluginmanager.get_plugin("capturemanager")
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print(message, file=sys.stderr, flush=True)
    else:
        print(message, file=sys.stderr, flush=True)
    pytest.skip(f"BROWSER TEST SKIPPED: {reason}")


@pytest.fixture(scope="module")
def chromium(pytestconfig: pytest.Config) -> Path:
    if not CHROMIUM.exists():
        _loud_skip(
            pytestconfig,
            f"{CHROMIUM} not found; install it with `apt-get install -y chromium` (.ci/run "
            "does). The send form was NOT tested in a real browser."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _voila_command() -> list[str]:
    voila = Path(sys.executable).with_name("voila")
    if voila.exists():
        return [str(voila)]
    return [sys.executable, "-m", "voila"]


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[str]:
    """The URL of Voila serving a copy of the send-form notebook; stopped afterwards."""
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITNIOTECH_")}
    env["ITNIOTECH_JOURNAL"] = str(tmp_path / "journal.sqlite")  # never the user's ledger
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    env.pop("MPLBACKEND", None)
    log_path = tmp_path / "voila.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_voila_command(), NOTEBOOK.name, "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--show_tracebacks=True"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"voila exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not answer within {START_TIMEOUT:g} s:\n"
                                f"{log_path.read_text()}")
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        print(f"voila log ({log_path}):\n{log_path.read_text()[-3000:]}")


def _count(page: Any, name: str) -> int:
    return int(page.locator(f".iv-count-{name}").inner_text().replace(",", ""))


# Every visible text the form colours (inline colours, and its download links), its colour and
# the background it is drawn on (the first opaque background up the tree, with any translucent
# ones above it), and their contrast ratio (WCAG).
_CONTRASTS = """
() => {
  const rgba = (text) => {
    const found = text.match(/rgba?\\(([^)]+)\\)/);
    if (!found) return [255, 255, 255, 0];
    const p = found[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map(i => top[3] * top[i] + (1 - top[3]) * under[i]);
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const backgroundOf = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255];
    for (const layer of layers.reverse()) base = over(layer, base);
    return base;
  };
  const out = [];
  const shown = document.querySelectorAll('.iv-form [style*="color"], .iv-form a.iv-download');
  for (const element of shown) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !element.getClientRects().length) continue;
    const background = backgroundOf(element);
    const colour = over(rgba(getComputedStyle(element).color), background);
    const [a, b] = [luminance(colour), luminance(background)].sort((x, y) => y - x);
    out.push({text: element.textContent.trim().slice(0, 60), ratio: (a + 0.05) / (b + 0.05),
              colour: colour.map(Math.round), background: background.map(Math.round)});
  }
  return out;
}
"""


def _low_contrast(page: Any) -> tuple[int, list[dict[str, Any]]]:
    """How many coloured texts the form shows, and those under 4.5:1."""
    found = page.evaluate(_CONTRASTS)
    return len(found), [item for item in found if item["ratio"] < 4.5]


def test_send_form_in_a_real_browser(chromium: Path, voila: str) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    page_errors: list[str] = []
    outside: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            page.route("**/*", only_local)
            page.on("pageerror", lambda err: page_errors.append(str(err)))
            page.set_default_timeout(30_000)
            page.goto(voila, wait_until="domcontentloaded", timeout=START_TIMEOUT * 1000)
            form = page.locator(".iv-form")
            failed = page.locator(f"[data-mime-type='{STDERR}'], [data-mime-type='{ERROR}']")
            form.or_(failed).first.wait_for(state="visible", timeout=START_TIMEOUT * 1000)
            if not form.is_visible():
                try:
                    form.wait_for(state="visible", timeout=5_000)
                except PlaywrightError:
                    pytest.fail("the notebook failed in Voila:\n" + "\n".join(
                        failed.all_inner_texts()))

            # Recipients: the DataFrame of the notebook; choose another column, then the phones.
            expect(page.locator(".iv-source")).to_contain_text("16 rows")
            column = page.locator(".iv-column select")
            expect(column).to_have_value("phone")  # guessed
            column.select_option(label="segment")
            expect(page.locator(".iv-column-msg")).to_contain_text("0 of the first 16")
            column.select_option(label="phone")
            expect(page.locator(".iv-column-msg")).to_contain_text("12 of the first 16")

            # The message, each field validated as it is typed.
            page.locator(".iv-app-id input").fill("4luaKsL2")
            page.locator(".iv-file-id input").fill("12022022570cc2484c59d4f8b9745d34226285b1e.mp3")
            page.locator(".iv-max-duration input").fill("500")
            expect(page.locator(".iv-max-duration-msg")).to_contain_text("out of range")
            page.locator(".iv-max-duration input").fill("50")
            expect(page.locator(".iv-max-duration-msg")).to_have_text("✓")
            page.locator(".iv-loop-count select").select_option(label="2")
            page.locator(".iv-called-info textarea").fill("spring offer")
            expect(page.locator(".iv-called-info-count")).to_contain_text("12 / 1,000")
            page.locator(".iv-campaign input").fill("spring")

            # Campaign options, folded at first: calling hours all day, a number not to call
            # (Jia's), and the rates of India and the US (the others have none: said so).
            page.locator(".iv-options").get_by_text("Campaign options").first.click()
            page.locator(".iv-call-start input").fill("00:00")
            page.locator(".iv-call-end input").fill("24:00")
            expect(page.locator(".iv-hours-msg")).to_contain_text("00:00–24:00")
            page.locator(".iv-exclude-text textarea").fill("00971 50 123 4567")
            page.locator(".iv-exclude-text textarea").press("Tab")
            expect(page.locator(".iv-exclude-msg")).to_contain_text("typed in the form: 1 number")
            page.locator(".iv-rates input").fill("91=0.02, 1=0.015")
            expect(page.locator(".iv-rates-msg")).to_have_text("✓")
            assert page.locator(".iv-exclude-upload").get_attribute("title"), "a real tooltip"
            expect(page.locator(".iv-allow-repeat input")).not_to_be_checked()
            expect(page.locator(".iv-sandbox input")).to_be_checked()
            expect(page.locator("button.iv-send")).to_be_disabled()

            # Check: the plan's counts and the rows it will not call, masked.
            page.locator("button.iv-check").click()
            expect(page.locator(".iv-check-passed")).to_be_visible()
            counts = {n: _count(page, n) for n in ("rows", "to_call", "invalid", "duplicate",
                                                  "already_called", "excluded", "requests")}
            assert counts == {"rows": 16, "to_call": 10, "invalid": 4, "duplicate": 1,
                              "already_called": 0, "excluded": 1, "requests": 1}, counts
            refused = page.locator(".iv-refused").inner_text()
            assert "several numbers in one cell" in refused
            assert not re.search(r"\d{5,}", refused), f"an unmasked number: {refused}"

            # Send: confirm what will happen, against the sandbox.
            send = page.locator("button.iv-send")
            expect(send).to_be_enabled()
            send.click()
            confirm_text = page.locator(".iv-confirm-text")
            expect(confirm_text).to_contain_text("Call 10 numbers")
            expect(confirm_text).to_contain_text("local SANDBOX")
            expect(confirm_text).to_contain_text("in 1 request")
            expect(confirm_text).to_contain_text("inside its calling hours 00:00–24:00")
            expect(confirm_text).to_contain_text(
                "Excluded: 1 number, on the suppression lists (typed in the form)")
            expect(confirm_text).to_contain_text("Cost at most")
            expect(confirm_text).to_contain_text("Campaign: 'spring'")
            page.locator("button.iv-confirm").click()

            # The results: summary table, chart and status.
            summary = page.locator(".iv-summary table")
            summary.wait_for(state="visible", timeout=SEND_TIMEOUT)
            expect(page.locator(".iv-status-headline")).to_contain_text("Sent: ")
            expect(page.locator(".iv-status-headline")).to_contain_text("of 10 numbers submitted")
            expect(page.locator(".iv-status")).to_contain_text(
                "The results of all 16 rows can be downloaded below")
            assert "form.results" not in page.locator(".iv-status").inner_text()
            assert "submitted" in summary.inner_text()
            expect(page.locator("img.iv-chart, .iv-chart img").first).to_be_visible()
            expect(page.locator(".iv-progress-label")).to_contain_text("10 of 10 numbers sent")
            expect(page.locator(".iv-error")).to_have_text("")
            expect(send).to_be_disabled()  # the plan was sent: another send needs a new Check

            # The downloads: real files, from data: links (no server round trip).
            with page.expect_download() as got:
                page.locator("a.iv-download-csv").click()
            download = got.value
            assert download.suggested_filename == "results-spring.csv"
            rows = Path(download.path()).read_text(encoding="utf-8").strip().splitlines()
            assert len(rows) == 17 and "outcome" in rows[0], rows[:2]
            with page.expect_download() as got:
                page.locator("a.iv-download-excel").click()
            assert got.value.suggested_filename == "results-spring.xlsx"
            assert Path(got.value.path()).read_bytes()[:2] == b"PK", "an .xlsx (a zip)"

            # The call records, then the follow-up to the unanswered (if the sandbox left any).
            page.locator("button.iv-fetch-records").click()
            expect(page.locator(".iv-records-msg")).to_contain_text("Call records: ",
                                                                    timeout=SEND_TIMEOUT)
            follow = page.locator("button.iv-follow-up")
            if follow.is_enabled():
                found = re.search(r"to (\d+) unanswered", follow.inner_text())
                assert found, follow.inner_text()
                unanswered = int(found[1])
                follow.click()
                expect(page.locator(".iv-follow-up-text")).to_contain_text(
                    f"Send a follow-up to {unanswered} number")
                expect(page.locator(".iv-follow-up-text")).to_contain_text(
                    "'spring · follow-up 1'")
                page.locator("button.iv-follow-up-confirm").click()
                expect(page.locator(".iv-status-headline")).to_contain_text(
                    f"Follow-up 'spring · follow-up 1': Sent: {unanswered} of {unanswered}",
                    timeout=SEND_TIMEOUT)
                expect(page.locator(".iv-error")).to_have_text("")
            expect(page.locator("a.iv-download-csv")).to_be_visible()
            expect(page.locator("button.iv-fetch-records")).to_be_enabled()
            page.wait_for_function(
                "() => [...document.querySelectorAll('.iv-chart img, img.iv-chart')]"
                ".every(i => i.complete && i.naturalHeight > 0)"
            )

            # The page scrolls inside Voila's own container: make the window as tall as the
            # form, so that the screenshot holds all of it.
            page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
            box = form.bounding_box()
            assert box is not None
            page.set_viewport_size({"width": 1200, "height": int(box["y"] + box["height"]) + 40})
            page.wait_for_timeout(300)
            box = form.bounding_box()
            assert box is not None
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), clip=box, animations="disabled")

            # Readable in the light theme, and in JupyterLab's dark one.
            shown, low = _low_contrast(page)
            assert shown >= 10 and not low, low
            page.add_style_tag(content=DARK_THEME.read_text(encoding="utf-8"))
            page.evaluate("""() => {
                document.body.dataset.jpThemeLight = 'false';
                const back = getComputedStyle(document.body).getPropertyValue('--jp-layout-color0');
                document.documentElement.style.background = back;
                document.body.style.background = back;
            }""")
            page.wait_for_timeout(300)
            shown, low = _low_contrast(page)
            assert shown >= 10 and not low, low
            box = form.bounding_box()
            assert box is not None
            page.screenshot(path=str(DARK_SCREENSHOT), clip=box, animations="disabled")
        finally:
            browser.close()

    assert not page_errors, page_errors
    assert all("127.0.0.1" not in url for url in outside), outside
    assert SCREENSHOT.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(SCREENSHOT, README_SCREENSHOT)
