/* Draws the dashboard's charts from the JSON block #dashboard-data (no inline script: CSP-safe). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels || {};
  var colours = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#777777"];

  function numbers(values) {
    return values.map(function (v) { return v === null || v === undefined ? null : Number(v); });
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {});
    new window.Chart(canvas, config);
  }

  if (data.kpi) {
    var names = ["calls", "visits", "filings", "signed_contracts"];
    draw("chart-kpi", {
      type: "bar",
      data: {
        labels: data.kpi.weeks,
        datasets: names.map(function (name, i) {
          return { label: labels[name] || name, data: data.kpi.week_totals[name], backgroundColor: colours[i] };
        })
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  if (data.pipeline) {
    var stages = Object.keys(data.pipeline);
    draw("chart-pipeline", {
      type: "bar",
      data: {
        labels: stages.map(function (s) { return (labels.stages || {})[s] || s; }),
        datasets: [{ label: labels.customers, data: stages.map(function (s) { return data.pipeline[s]; }),
          backgroundColor: colours }]
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  if (data.revenue) {
    draw("chart-revenue", {
      type: "bar",
      data: {
        labels: Object.keys(data.revenue),
        datasets: [{ label: labels.revenue, data: numbers(Object.values(data.revenue)), backgroundColor: colours[0] }]
      },
      options: { scales: { y: { beginAtZero: true } } }
    });
  }
  if (data.ageing) {
    draw("chart-ageing", {
      type: "bar",
      data: {
        labels: Object.keys(data.ageing),
        datasets: [{ label: labels.outstanding, data: numbers(Object.values(data.ageing)),
          backgroundColor: [colours[1], colours[2], colours[3], colours[3]] }]
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
    });
  }
  if (data.satisfaction) {
    draw("chart-satisfaction", {
      type: "line",
      data: {
        labels: Object.keys(data.satisfaction),
        datasets: [{ label: labels.satisfaction, data: numbers(Object.values(data.satisfaction)),
          borderColor: colours[0], backgroundColor: colours[0], spanGaps: true }]
      },
      options: { scales: { y: { min: 1, max: 5 } } }
    });
  }
}());
