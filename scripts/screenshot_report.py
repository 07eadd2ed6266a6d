"""Screenshot an output folder's report in headless Chromium, in either language: `make docs`.

The report is rendered afresh from OUT/documents (as `papers reconcile OUT --report-lang LANG`
would write it, masked as the folder's manifest says) into a temporary file, so both languages
can be shown without touching OUT. `--search TEXT` types TEXT into the report's search box first.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from pipeline.i18n import DEFAULT_LANGUAGE, LANGUAGES
from pipeline.reconcile import load_documents, reconcile_documents
from pipeline.privacy import outputs_view
from pipeline.report import render_html
from pipeline.rules import load_rules


def render(out: Path, lang: str) -> str:
    rules = load_rules()
    docs, skipped = load_documents(out)
    return render_html(outputs_view(reconcile_documents(docs, rules, tuple(skipped)), out, rules.privacy), out, lang)


def main(out: Path, png: Path, lang: str, search: str | None) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        html.write_text(render(out, lang), encoding="utf-8")
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={tmp}/profile", "--window-size=1400,2000"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(html.as_uri())
            if search:
                driver.find_element(By.ID, "search").send_keys(search)
            png.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
        finally:
            driver.quit()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("extracted"), help="output folder (default: extracted)")
    parser.add_argument("png", type=Path, nargs="?", default=Path("docs/report-sv.png"))
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--search", help="text typed into the search box before the screenshot")
    args = parser.parse_args()
    main(args.out, args.png, args.lang, args.search)
