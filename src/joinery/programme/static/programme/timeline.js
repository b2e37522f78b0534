// Draws the timeline (a Gantt chart of floating bars) with Chart.js from the page's JSON data.
// Progressive enhancement: the table on the page says the same, and the page works without this.
(function () {
  const box = document.getElementById("timeline-chart-box");
  const canvas = document.getElementById("timeline-chart");
  const source = document.getElementById("timeline-data");
  if (!box || !canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const rows = data.rows || [];
  if (!rows.length) return;
  const text = data.text || {};
  // Colours follow the status; a thick dark border marks overdue work, and the tooltip and table say it in words.
  const colours = { planned: "#1d70b8", in_progress: "#00703c", blocked: "#d4351c", done: "#505a5f", cancelled: "#b1b4b6" };
  const day = 86400000;
  const fmt = (ms) => new Date(ms).toISOString().slice(0, 10);
  // One row is about 28px; CSSOM styles are allowed by our Content-Security-Policy.
  box.style.height = Math.max(192, rows.length * 28 + 80) + "px";
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.label),
      datasets: [{
        label: text.dates || "Dates",
        data: rows.map((r) => [r.start, r.end]),
        backgroundColor: rows.map((r) => colours[r.status] || "#1d70b8"),
        borderColor: rows.map((r) => (r.overdue ? "#0b0c0c" : "rgba(0,0,0,0)")),
        borderWidth: rows.map((r) => (r.overdue ? 3 : 0)),
        borderSkipped: false,
        minBarLength: 6,
      }],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: {
          type: "linear",
          min: Math.min(...rows.map((r) => r.start), data.today) - 7 * day,
          max: Math.max(...rows.map((r) => r.end), data.today) + 7 * day,
          ticks: { callback: (v) => fmt(v), maxRotation: 0, autoSkip: true },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const r = rows[ctx.dataIndex];
              let line = r.owner + ": " + r.start_text + " – " + r.end_text + " · " + r.status_label;
              if (r.overdue) line += " · " + (text.overdue || "overdue");
              return line;
            },
          },
        },
      },
    },
    plugins: [{
      id: "today",
      afterDatasetsDraw(chart) {
        const x = chart.scales.x.getPixelForValue(data.today);
        const { top, bottom } = chart.chartArea;
        const ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = "#0b0c0c";
        ctx.setLineDash([6, 3]);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.stroke();
        ctx.fillStyle = "#0b0c0c";
        ctx.fillText(text.today || "Today", x + 4, top + 10);
        ctx.restore();
      },
    }],
  });
})();
