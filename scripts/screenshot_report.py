"""Screenshot an output folder's report.html in headless Chromium: `make docs` → docs/report.png."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def main(report: Path, png: Path) -> None:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as profile:
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", f"--user-data-dir={profile}", "--window-size=1400,2000"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(report.resolve().as_uri())
            png.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
        finally:
            driver.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "extracted/report.html"),
         Path(sys.argv[2] if len(sys.argv) > 2 else "docs/report.png"))
