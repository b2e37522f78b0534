"""Checks on one rendered HTML page: what axe would flag that we can see without a browser, and
what our strict Content-Security-Policy would block."""

from __future__ import annotations

from html.parser import HTMLParser

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "image", "reset"}


class PageAudit(HTMLParser):
    """Collects what the checks below need from one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_fors: set[str] = set()
        self.controls: list[tuple[str, dict]] = []
        self.buttons: list[dict] = []
        self.inline_scripts = 0
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.h1s = 0
        self.summary_links: list[str] = []
        self._in_summary = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if "style" in a:
            self.style_attributes.append(tag)
        if tag == "style":
            self.style_elements += 1
        # A data block (json_script) is never executed, so the CSP has nothing to block.
        if tag == "script" and not a.get("src") and a.get("type") != "application/json":
            self.inline_scripts += 1
        if tag == "label" and a.get("for"):
            self.label_fors.add(a["for"])
        if tag in ("input", "select", "textarea"):
            if a.get("type", "text") not in UNLABELLED_INPUT_TYPES:
                self.controls.append((tag, a))
        if tag == "button":
            self.buttons.append(a)
        if tag == "h1":
            self.h1s += 1
        if tag == "div" and "govuk-error-summary" in (a.get("class") or "").split():
            self._in_summary += 1
        if self._in_summary and tag == "a" and a.get("href", "").startswith("#"):
            self.summary_links.append(a["href"][1:])


def audit(response) -> PageAudit:
    assert response.status_code == 200, response
    page = PageAudit()
    page.feed(response.content.decode())
    assert page.h1s == 1, "one h1 per page"
    assert page.inline_scripts == 0, "no inline <script> (CSP)"
    assert page.style_elements == 0, "no <style> element (CSP)"
    assert page.style_attributes == [], "no style attribute (CSP)"
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    for tag, attrs in page.controls:
        assert attrs.get("id") in page.label_fors, f"<{tag} name={attrs.get('name')}> has no <label for>"
    for attrs in page.buttons:
        assert "govuk-button" in (attrs.get("class") or "").split(), f"button without govuk-button: {attrs}"
    for anchor in page.summary_links:
        assert anchor in page.ids, f"the error summary links to #{anchor}, which is not on the page"
    return page
