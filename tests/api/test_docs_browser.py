"""The API documentation page works in a real browser under our Content-Security-Policy."""

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_with_local_assets_and_no_csp_violation(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            problems, outside = [], []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            def watch(request):
                if not request.url.startswith((live_server.url, "data:")):
                    outside.append(request.url)

            page.on("request", watch)
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15000)
            assert "Joinery API" in page.inner_text("h1")
            # Every area is listed, folded (about 200 operations); opening one lists its operations.
            for area in ("organisations", "partnerships", "agreements", "contributions", "Citizen feedback"):
                page.locator(".opblock-tag", has_text=area).first.wait_for(timeout=15000)
            page.locator(".opblock-tag", has_text="Evaluation").first.click()
            page.locator(".opblock").nth(20).wait_for(state="attached", timeout=15000)
            assert page.locator(".opblock").count() > 20
            assert outside == [], f"requests to other hosts: {outside}"
            assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_has_no_axe_violations(live_server):
    """axe-core on the docs page, with swagger-ui rendered and one area opened."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import (
        AXE_RUN,
        AXE_STATIC_PATH,
        AXE_TAGS,
        LOAD_SCRIPT,
        format_violations,
    )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/api/v1/docs")
            page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15000)
            # One main landmark and one h1, ours: Swagger UI runs with a layout that adds neither.
            assert page.locator("main").count() == 1 and page.locator("main#main-content").count() == 1
            assert page.locator("h1").count() == 1
            link = page.locator("a.api-docs-openapi-link")
            assert link.is_visible() and link.get_attribute("href").endswith("/openapi.json")
            page.locator(".opblock-tag", has_text="organisations").first.click()
            page.locator(".opblock").first.wait_for(timeout=15000)
            page.evaluate(LOAD_SCRIPT, live_server.url + AXE_STATIC_PATH)
            violations = page.evaluate(AXE_RUN, AXE_TAGS)
            assert not violations, format_violations(page.url, violations)
            # A list and a write opened: parameters, request body, responses, "Try it out".
            page.locator(".opblock-get .opblock-summary-control").nth(1).click()
            page.locator(".opblock-post .opblock-summary-control").first.click()
            page.locator(".opblock-post .opblock-body .responses-wrapper").first.wait_for(timeout=15000)
            violations = page.evaluate(AXE_RUN, AXE_TAGS)
            assert not violations, format_violations(page.url, violations)
        finally:
            browser.close()
