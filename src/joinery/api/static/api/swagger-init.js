/* Starts swagger-ui on the API documentation page (no inline script: our CSP forbids it).
   The page gives the OpenAPI address and the CSRF token in data- attributes.

   Swagger UI's own layout brings a second <main> and a second <h1> (its info block), which
   breaks the page's landmarks. Our page already has the heading, the description and the
   main landmark, so we start it with a layout of our own: the same parts, without those two. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrfToken = root.getAttribute("data-csrf-token");
  var loadingText = root.getAttribute("data-loading-text");
  var failedText = root.getAttribute("data-failed-text");
  var operationsHeading = root.getAttribute("data-operations-heading");

  function JoineryLayoutPlugin(system) {
    var h = system.React.createElement;

    function JoineryLayout(props) {
      var get = props.getComponent;
      var spec = props.specSelectors;
      var Errors = get("errors", true);
      var status = spec.loadingStatus();
      if (status === "failed" || status === "failedConfig") {
        return h("div", {className: "swagger-ui"}, h("p", {role: "alert"}, failedText), h(Errors, null));
      }
      if (!spec.specStr() || status === "loading") {
        return h("div", {className: "swagger-ui"}, h("p", {role: "status"}, loadingText));
      }
      var Servers = get("ServersContainer", true);
      var Authorize = get("AuthorizeBtnContainer", true);
      var Filter = get("FilterContainer", true);
      var Operations = get("operations", true);
      var Models = get("Models", true);
      var servers = spec.servers();
      return h("div", {className: "swagger-ui"},
        h(get("SvgAssets"), null),
        h(Errors, null),
        h("div", {className: "scheme-container"},
          h("div", {className: "schemes wrapper"},
            servers && servers.size ? h(Servers, null) : null,
            spec.securityDefinitions() ? h(Authorize, null) : null)),
        h(Filter, null),
        // The areas are h3s: an h2 between them and our h1 keeps the headings in order.
        h("div", {id: "operations", className: "wrapper"},
          h("h2", {className: "api-docs-visually-hidden"}, operationsHeading), h(Operations, null)),
        h("div", {className: "wrapper"}, h(Models, null)));
    }

    return {components: {JoineryLayout: JoineryLayout}};
  }

  // Swagger UI leaves some controls unnamed and its code samples unreachable by keyboard. It
  // renders as operations are opened, so we name what appears: a parameter's field after the
  // parameter, another field after its own label-like class, a scrolling sample focusable.
  function mend(node) {
    if (!node.querySelectorAll) {
      return;
    }
    node.querySelectorAll("select, input, textarea").forEach(function (field) {
      if (field.getAttribute("aria-label") || field.id && document.querySelector("label[for='" + field.id + "']")) {
        return;
      }
      var row = field.closest("tr[data-param-name]");
      var name = row ? row.getAttribute("data-param-name") : (field.getAttribute("placeholder") || fieldText);
      field.setAttribute("aria-label", name);
    });
    // Each opened operation's responses table is a region: give each its operation's name.
    node.querySelectorAll("table[role='region']:not([aria-label])").forEach(function (table) {
      var block = table.closest(".opblock");
      var method = block && block.querySelector(".opblock-summary-method");
      var path = block && block.querySelector(".opblock-summary-path");
      table.setAttribute("aria-label", responsesText + (method && path
        ? ": " + method.textContent + " " + path.textContent : ""));
    });
    node.querySelectorAll("pre").forEach(function (pre) {
      if (!pre.hasAttribute("tabindex")) {
        pre.setAttribute("tabindex", "0");
      }
    });
  }
  var fieldText = root.getAttribute("data-field-text");
  var responsesText = root.getAttribute("data-responses-text");
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(mend);
    });
  }).observe(root, {childList: true, subtree: true});

  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    // Deep links put a link inside each operation's toggle button (axe: nested-interactive).
    deepLinking: false,
    docExpansion: "none", // about 200 operations: show the areas, open one to see its operations
    plugins: [JoineryLayoutPlugin],
    layout: "JoineryLayout",
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
