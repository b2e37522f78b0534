// Draws the network with cytoscape. The table on the page says the same without JavaScript.
(function () {
  const el = document.getElementById("network-map");
  if (!el || typeof cytoscape === "undefined") return;
  // Cytoscape adds an inline <style> (position: relative) unless an element with this id exists.
  // Our Content-Security-Policy refuses inline styles, and joinery.css positions the map already.
  if (!document.getElementById("__________cytoscape_stylesheet")) {
    const marker = document.createElement("meta");
    marker.id = "__________cytoscape_stylesheet";
    document.head.appendChild(marker);
  }
  const colours = { public: "#1d70b8", non_profit: "#00703c", private: "#6f2c91", community: "#b35900" };
  fetch(el.dataset.graphUrl, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((g) => {
      const elements = [];
      g.organisations.forEach((o) => elements.push({ data: { id: "o" + o.id, label: o.name, colour: colours[o.sector] || "#505a5f", url: o.url, shape: "ellipse" } }));
      g.partnerships.forEach((p) => elements.push({ data: { id: "p" + p.id, label: p.name, colour: "#0b0c0c", url: p.url, shape: "round-rectangle" } }));
      g.links.forEach((l, i) => elements.push({ data: { id: "e" + i, source: "o" + l.organisation, target: "p" + l.partnership, label: l.role_label } }));
      const cy = cytoscape({
        container: el,
        elements: elements,
        layout: { name: "cose", animate: false },
        style: [
          { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", shape: "data(shape)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 120 } },
          { selector: "edge", style: { width: 1.5, "line-color": "#b1b4b6" } },
        ],
      });
      cy.on("tap", "node", (evt) => { window.location.href = evt.target.data("url"); });
    });
})();
