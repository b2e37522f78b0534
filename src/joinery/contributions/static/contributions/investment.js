// Draws the investment page's charts with Chart.js. Progressive enhancement only: every chart
// has a table with the same figures and a sentence saying what it shows, rendered on the server.
(function () {
  "use strict";
  const source = document.getElementById("investment-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // GOV.UK palette: strong contrast on white, distinguishable for the commonest colour blindness.
  const colours = ["#1d70b8", "#00703c", "#6f2c91", "#b35900", "#d4351c", "#505a5f"];
  const money = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 0 });
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#0b0c0c";

  function axis(currency) {
    return { beginAtZero: true, ticks: { callback: (v) => money.format(v) }, title: { display: !!currency, text: currency } };
  }

  function draw(name, config) {
    const canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (!canvas) return;
    new Chart(canvas, config);
  }

  draw("sectors", {
    type: "bar",
    data: { labels: data.sectors.labels, datasets: [{ label: data.currency, data: data.sectors.values, backgroundColor: colours[0] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: axis(data.currency) } },
  });

  draw("partners", {
    type: "bar",
    data: { labels: data.partners.labels, datasets: [{ label: data.currency, data: data.partners.values, backgroundColor: colours[1] }] },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: axis(data.currency) } },
  });

  if (data.commitments.labels.length) {
    draw("commitments", {
      type: "bar",
      data: {
        labels: data.commitments.labels,
        datasets: [
          { label: data.text.committed, data: data.commitments.committed, backgroundColor: colours[5] },
          { label: data.text.contributed, data: data.commitments.contributed, backgroundColor: colours[0] },
        ],
      },
      options: { scales: { y: axis(data.currency) } },
    });
  }

  if (data.trend.currency) {
    draw("trend", {
      type: "bar",
      data: {
        labels: data.trend.labels,
        datasets: data.trend.series.map((s, i) => ({ label: s.label, data: s.values, backgroundColor: colours[i % colours.length] })),
      },
      options: { scales: { x: { stacked: true }, y: Object.assign(axis(data.trend.currency), { stacked: true }) } },
    });
  }
})();
