// Draws an indicator's values against its targets with Chart.js. Progressive enhancement only:
// the table below the chart has the same figures and a sentence says what it shows, both rendered
// on the server, so without JavaScript (or with a screen reader) nothing is lost.
(function () {
  "use strict";
  const source = document.getElementById("indicator-chart-data");
  const canvas = document.querySelector('canvas[data-chart="indicator"]');
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const number = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 2 });
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (reduced) Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#0b0c0c";

  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        // A missing period stays a gap (spanGaps: false): it is never drawn as zero.
        { label: data.text.value, data: data.values, borderColor: "#1d70b8", backgroundColor: "#1d70b8",
          pointRadius: 4, spanGaps: false },
        { label: data.text.target, data: data.targets, borderColor: "#505a5f", backgroundColor: "#505a5f",
          borderDash: [6, 4], pointRadius: 0, pointStyle: "line", spanGaps: true },
      ],
    },
    options: {
      scales: { y: { ticks: { callback: (v) => number.format(v) }, title: { display: !!data.unit, text: data.unit } } },
      plugins: { legend: { labels: { usePointStyle: true } } },
    },
  });
})();
