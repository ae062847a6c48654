// Tracker page behaviour. No inline scripts (Content-Security-Policy): everything lives here.
(function () {
  "use strict";
  // Confirm dangerous actions: <form data-confirm="...">
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Add/remove repeated rows: <div data-repeat="name"> with a <template> sibling.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) {
      var target = document.getElementById(button.getAttribute("data-add-row"));
      var tpl = document.getElementById(button.getAttribute("data-template"));
      if (target && tpl) {
        // Never reuse an index after a row was removed (names must stay unique).
        var index = parseInt(target.getAttribute("data-next-index") || String(target.children.length), 10);
        target.setAttribute("data-next-index", String(index + 1));
        var html = tpl.innerHTML.split("__INDEX__").join(String(index));
        target.insertAdjacentHTML("beforeend", html);
      }
      event.preventDefault();
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-row]");
      if (row) { row.remove(); }
      event.preventDefault();
    }
  });
  // Auto-submit filter selects: <select data-autosubmit>
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-autosubmit]")) {
      event.target.form.submit();
    }
  });
})();

// Handler select follows the unit select (assignment desk forms):
// <select data-handler-target="ID-of-handler-select" data-users-url="/assignments/unit-users/0">
// Without JavaScript the handler select lists every unit's staff in <optgroup>s; the server checks.
(function () {
  "use strict";
  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }
  document.addEventListener("change", function (event) {
    var unit = event.target;
    if (!unit.matches || !unit.matches("select[data-handler-target]")) { return; }
    var handler = document.getElementById(unit.getAttribute("data-handler-target"));
    var url = unit.getAttribute("data-users-url");
    if (!handler || !url || !unit.value || !window.fetch) { return; }
    fetch(url.replace(/\/0$/, "/" + encodeURIComponent(unit.value)), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      handler.textContent = "";
      handler.appendChild(option("", data.prompt || (data.users.length ? "请选择经办人" : "该单位暂无可选人员")));
      data.users.forEach(function (u) { handler.appendChild(option(String(u.id), u.label)); });
      var first = data.users.filter(function (u) { return u.role === "unit_handler"; })[0] || data.users[0];
      if (first) { handler.value = String(first.id); }
      // Suggest the unit's leader as the responsible leader (定责任) when that field is still empty.
      var leaderInput = document.getElementById(unit.getAttribute("data-leader-target") || "");
      var boss = data.users.filter(function (u) { return u.role === "unit_leader"; })[0];
      if (leaderInput && !leaderInput.value && boss) {
        leaderInput.value = boss.title ? boss.name + "（" + boss.title + "）" : boss.name;
      }
    }).catch(function () { /* keep the full grouped list */ });
  });
  // Show a block only while a control has one of some values (the page works without it):
  // <div data-show-when="mode=lead_co,sole">
  function value(form, name) {
    var controls = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if ((c.type === "radio" || c.type === "checkbox") ? c.checked : true) { return c.value; }
    }
    return "";
  }
  function refresh(form) {
    var blocks = form.querySelectorAll("[data-show-when]");
    for (var i = 0; i < blocks.length; i++) {
      var rule = blocks[i].getAttribute("data-show-when").split("=");
      blocks[i].hidden = rule[1].split(",").indexOf(value(form, rule[0])) < 0;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form.querySelector("[data-show-when]")) { refresh(event.target.form); }
  });
  var forms = document.querySelectorAll("form");
  for (var i = 0; i < forms.length; i++) {
    if (forms[i].querySelector("[data-show-when]")) { refresh(forms[i]); }
  }
})();

// A long select gets a filter box (the deputies and members of ten years are thousands of options):
// <select data-filter="placeholder" data-filter-count="{n} match" data-filter-none="no match">
// Typing narrows the options to those containing the text and shows them as a list; when the chosen
// option no longer matches, the first match is chosen. Without JavaScript the full select remains.
(function () {
  "use strict";
  function attach(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.getAttribute("data-filter");
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    var status = document.createElement("div");
    status.className = "form-text";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    var options = Array.prototype.slice.call(select.options);
    var texts = options.map(function (o) { return o.text.toLowerCase(); });
    function apply() {
      var q = box.value.trim().toLowerCase();
      var first = null, count = 0;
      for (var i = 0; i < options.length; i++) {
        var hit = !q || texts[i].indexOf(q) >= 0;
        options[i].hidden = !hit;
        if (hit) { count += 1; if (first === null) { first = options[i]; } }
      }
      status.textContent = !q ? "" : count ? select.getAttribute("data-filter-count").replace("{n}", String(count))
        : select.getAttribute("data-filter-none");
      if (!q || !count) {  // nothing to list: the closed select keeps showing what is chosen
        select.removeAttribute("size");
        return;
      }
      select.size = Math.min(Math.max(count, 2), 8);
      var chosen = select.options[select.selectedIndex];
      if (first && (!chosen || chosen.hidden)) {
        first.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    box.addEventListener("input", apply);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }  // pick, don't submit the form
      if (event.key === "Escape" && box.value) { event.preventDefault(); box.value = ""; apply(); }
    });
  }
  var selects = document.querySelectorAll("select[data-filter]");
  for (var i = 0; i < selects.length; i++) { attach(selects[i]); }
})();

// File inputs with data-max-bytes: a file over the limit (or, with data-max-total, files over it
// together) is refused at once, before the form is sent: the server would refuse the whole request
// (413) and everything typed on the page would be lost.
(function () {
  function problem(input) {
    var max = Number(input.getAttribute("data-max-bytes")) || 0;
    var total = Number(input.getAttribute("data-max-total")) || 0;
    var sum = 0;
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      sum += file.size;
      if (max && file.size > max) { return input.getAttribute("data-too-large").replace("{name}", file.name); }
    }
    if (total && sum > total) { return input.getAttribute("data-too-much"); }
    return "";
  }
  function show(input, message) {
    var note = input.parentNode.querySelector(".file-limit-feedback");
    if (!note) {
      note = document.createElement("div");
      note.className = "invalid-feedback d-block file-limit-feedback";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    note.hidden = !message;
    input.classList.toggle("is-invalid", !!message);
    input.setCustomValidity(message);
  }
  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
  for (var i = 0; i < inputs.length; i++) {
    (function (input) {
      input.addEventListener("change", function () { show(input, problem(input)); });
      if (input.form) {
        input.form.addEventListener("submit", function (event) {
          var message = problem(input);
          if (message) { event.preventDefault(); show(input, message); input.focus(); }
        });
      }
    })(inputs[i]);
  }
})();
