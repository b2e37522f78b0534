"""The interactive API documentation page, served with our own copy of swagger-ui.

Ninja's default page would work, but we serve the swagger-ui that the build step
copies from npm (`joinery build-assets`) and start it from a static script, because
our Content-Security-Policy allows no inline script and no other origin.
"""

from __future__ import annotations

from django.shortcuts import render
from ninja.openapi.docs import Swagger


class LocalSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        return render(request, self.template, {
            "api": api,
            "openapi_url": self.get_openapi_url(api, kwargs),
        })
