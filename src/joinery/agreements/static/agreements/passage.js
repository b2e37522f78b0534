// Comment on a selected passage: progressive enhancement of the per-clause "Passage" field.
//
// Without JavaScript, a person copies the words into the clause's "Passage" field (the keyboard
// route). With it, selecting words inside a clause's text — with a mouse, or with the keyboard
// (caret browsing, Shift+arrows) — then pressing "Comment on the selected passage" copies the
// selection into that field and moves focus to the comment box.
(function () {
  "use strict";
  const bodies = Array.from(document.querySelectorAll("[data-clause-body]"));
  if (!bodies.length || !window.getSelection) return;
  const holder = document.querySelector("[data-passage-labels]");
  const labels = holder ? holder.dataset : {};
  const latest = new Map(); // clause body -> the last passage selected in it

  function bodyOf(node) {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-clause-body]") : null;
  }

  function remember() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return; // keep the last one while focus moves
    const range = sel.getRangeAt(0);
    const body = bodyOf(range.commonAncestorContainer);
    latest.clear();
    if (body) latest.set(body, sel.toString().replace(/\s+/g, " ").trim());
  }

  document.addEventListener("selectionchange", remember);
  // "selectionchange" comes later and is coalesced: when Tab follows Shift+arrow at once, caret
  // browsing may collapse the selection onto the button before the last change is reported.
  // A key press reads the selection as it is just before the key acts.
  document.addEventListener("keydown", remember, true);

  bodies.forEach(function (body) {
    const field = document.getElementById(body.dataset.passageField);
    const comment = document.getElementById(body.dataset.commentField);
    if (!field || !comment) return; // this person cannot comment here
    const tools = document.createElement("div");
    tools.className = "joinery-passage-tools";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary";
    button.textContent = labels.button || "";
    const status = document.createElement("span");
    status.className = "govuk-body-s";
    status.setAttribute("role", "status");
    tools.append(button, status);
    body.after(tools);
    // Keep the selection when the button is pressed with a mouse.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () {
      remember();
      const passage = latest.get(body);
      if (!passage) {
        status.textContent = labels.empty;
        return;
      }
      const details = field.closest("details");
      if (details) details.open = true;
      field.value = passage;
      status.textContent = labels.copied;
      comment.focus();
    });
  });
})();
