// The callback page follows its call without a reload (the content security policy allows
// no inline script: this file is the page's only script). Every few seconds it asks
// /api/callbacks/<id>/progress where the call stands and updates the state, "Rappeler"
// (disabled while a call is live or awaits its outcome) and "Annuler la tentative".
(function () {
  "use strict";
  var panel = document.getElementById("call-panel");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-progress-url");
  var state = document.getElementById("call-state");
  var statusCell = document.querySelector(".facts .status");
  var callButton = document.getElementById("call");
  var cancelForm = document.getElementById("cancel-form");
  var elsewhere = document.getElementById("elsewhere-choice");
  var elsewhereBox = document.getElementById("called_elsewhere");

  function apply(progress) {
    var label = progress.failure && !progress.live && !progress.outcome_allowed
      ? progress.label + " — " + progress.failure
      : progress.label;
    if (state && state.textContent !== label) {
      state.textContent = label;
    }
    if (statusCell) {
      statusCell.textContent = progress.label;
    }
    if (callButton) {
      callButton.disabled = !progress.may_call;
    }
    if (cancelForm) {
      cancelForm.hidden = !progress.live;
    }
    if (elsewhere) {
      elsewhere.hidden = progress.outcome_allowed;
      if (elsewhereBox) {
        elsewhereBox.required = !progress.outcome_allowed;
      }
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (progress) { if (progress) { apply(progress); } })
      .catch(function () { /* offline for a moment: the next poll will tell */ })
      .then(function () { window.setTimeout(poll, document.hidden ? 15000 : 2000); });
  }

  window.setTimeout(poll, 1000);
}());
