/* Starts swagger-ui on the API documentation page (no inline script: our CSP forbids it).
   The page gives the OpenAPI address and the CSRF token in data- attributes. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrfToken = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    docExpansion: "none", // about 200 operations: show the areas, open one to see its operations
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    validatorUrl: null, // never send our description to an outside validator
    requestInterceptor: function (request) {
      // Signed-in browser sessions need the CSRF token to make changes.
      if (csrfToken) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    }
  });
})();
