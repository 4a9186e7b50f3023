// The live page of a group call follows the room without a reload (the content security policy
// allows no inline script: this file is the page's only script). Every two seconds it asks
// /api/group-calls/sessions/<id>/live who is in, muted, waiting or not reached, and redraws
// the table; its buttons post to the same API with the CSRF token, and the answer (or the
// French refusal, e.g. the provider's account limit) is shown at once.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) {
    return;
  }
  var stateUrl = root.getAttribute("data-state-url");
  var base = root.getAttribute("data-action-base");
  var next = root.getAttribute("data-next");
  var query = stateUrl.indexOf("?") >= 0 ? stateUrl.slice(stateUrl.indexOf("?")) : "";
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var body = document.querySelector("#participants tbody");
  var counts = document.getElementById("counts");
  var refusal = document.getElementById("refusal");
  var status = document.getElementById("session-status");
  var host = document.getElementById("host-state");
  var lastVersion = null;
  var LABELS = { mute: "Couper le micro", unmute: "Rétablir le micro", remove: "Retirer", redial: "Rappeler" };

  var HEADS = Array.prototype.map.call(
    document.querySelectorAll("#participants thead th"), function (th) { return th.textContent; });

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    td.setAttribute("data-label", HEADS[row.children.length] || "");
    row.appendChild(td);
    return td;
  }

  function button(action, person) {
    var form = document.createElement("form");
    form.method = "post";
    form.className = "inline";
    form.action = base + "/participants/" + person.id + "/" + action + query;
    form.setAttribute("data-action", action);
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "csrf_token"; hidden.value = token;
    form.appendChild(hidden);
    var btn = document.createElement("button");
    btn.type = "submit";
    btn.className = action === "remove" ? "danger" : "secondary";
    btn.textContent = LABELS[action];
    btn.setAttribute("aria-label", LABELS[action] + " : " + person.name);
    form.appendChild(btn);
    return form;
  }

  function draw(state) {
    status.textContent = state.status_label + (state.locked ? " · verrouillée" : "");
    host.textContent = state.host_in_room ? "dans la réunion" : "pas encore là : les autres attendent";
    var c = state.counts;
    var said = c.in_room + " dans la réunion · " + c.muted + " micro coupé · " + c.waiting +
      " en attente · " + c.not_reached + " non joints";
    if (counts.textContent !== said) { counts.textContent = said; }
    refusal.hidden = !state.refusal;
    refusal.textContent = state.refusal || "";
    document.querySelectorAll(".session-actions form").forEach(function (form) {
      var action = form.getAttribute("data-action");
      form.hidden = (action === "lock" && state.locked) || (action === "unlock" && !state.locked);
      form.querySelector("button").disabled = state.status !== "running";
    });
    if (state.version === lastVersion) { return; }
    lastVersion = state.version;
    var rows = document.createDocumentFragment();
    state.participants.forEach(function (person) {
      var row = document.createElement("tr");
      row.setAttribute("data-id", person.id);
      row.setAttribute("data-state", person.state);
      cell(row, person.name);
      cell(row, person.role_label);
      cell(row, person.state_label + (person.failure_reason ? " — " + person.failure_reason : ""));
      cell(row, person.microphone);
      cell(row, String(person.minutes));
      var actions = cell(row, "");
      person.actions.forEach(function (action) { actions.appendChild(button(action, person)); });
      rows.appendChild(row);
    });
    body.replaceChildren(rows);
  }

  var told = document.getElementById("live-message");

  function say(message, isError) {
    told.hidden = false;
    told.textContent = message;
    told.className = isError ? "flash flash-error" : "flash";
  }

  function poll() {
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { draw(state); } })
      .catch(function () { /* offline for a moment: the next poll will tell */ })
      .then(function () { window.setTimeout(poll, document.hidden ? 15000 : 2000); });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    form.querySelector("button").disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ next: next })
    })
      .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
      .then(function (result) {
        if (result[0]) { lastVersion = null; draw(result[1]); }
        say(result[1].message, !result[0]);
      })
      .catch(function () { say("La page n'a pas pu joindre le serveur. Réessayez.", true); })
      .then(function () { form.querySelector("button").disabled = false; });
  });

  poll();
}());
