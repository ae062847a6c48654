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
        var index = target.children.length;
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
