/* A sync run's page while the run is queued or running: polls its progress, reloads when it ends. */
(function () {
  "use strict";
  var panel = document.getElementById("sync-run-progress");
  if (!panel || panel.getAttribute("data-working") !== "true" || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-url");

  function show(data) {
    Object.keys(data).forEach(function (key) {
      var el = panel.querySelector('[data-field="' + key + '"]');
      if (el) {
        el.textContent = data[key];
      }
    });
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
        show(data);
        if (data.working) {
          window.setTimeout(poll, 1500);
        } else {
          window.location.reload();  /* the final figures in the table below */
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
}());
