// A form that is plainly not filled in yet (a required choice left empty, a group of checkboxes with
// none ticked): asking "are you sure?" would be pointless, the server answers with what is missing.
function plainlyIncomplete(form) {
  var selects = form.querySelectorAll("select[required]");
  for (var i = 0; i < selects.length; i++) {
    if (!selects[i].value) { return true; }
  }
  var groups = form.querySelectorAll(".check-grid");
  for (var j = 0; j < groups.length; j++) {
    if (!groups[j].querySelector("input:checked")) { return true; }
  }
  return false;
}

// Confirmation before destructive actions: forms marked data-confirm ask first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !plainlyIncomplete(form) && !window.confirm(message)) {
    event.preventDefault();
  }
});

// After a rejected submission, move focus to the error summary so keyboard and screen-reader
// users start from the list of what to fix (each entry links to its field).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// A live character counter under inputs that carry data-max-chars (titles). Only a hint: the
// server refuses an over-long title with its length; nothing is cut while typing or pasting.
document.addEventListener("DOMContentLoaded", function () {
  var inputs = document.querySelectorAll("[data-max-chars]");
  for (var i = 0; i < inputs.length; i++) {
    (function (input) {
      var max = parseInt(input.getAttribute("data-max-chars"), 10);
      var counter = document.createElement("div");
      counter.className = "form-text";
      counter.setAttribute("aria-live", "polite");
      var update = function () {
        var length = Array.from(input.value).length;
        counter.textContent = length + " / " + max + " 字" + (length > max ? "，超出 " + (length - max) + " 字" : "");
        counter.classList.toggle("text-danger", length > max);
      };
      input.insertAdjacentElement("afterend", counter);
      input.addEventListener("input", update);
      update();
    })(inputs[i]);
  }
});

// Tabs ([data-tabs]: a hidden role=tablist, then one role=tabpanel per tab). Without JavaScript the
// tab list stays hidden and every panel is shown; here the list is shown and one panel at a time,
// switched by click or, as the WAI-ARIA tabs pattern has it, by the arrow keys, Home and End.
document.addEventListener("DOMContentLoaded", function () {
  var groups = document.querySelectorAll("[data-tabs]");
  for (var g = 0; g < groups.length; g++) {
    (function (group) {
      var list = group.querySelector("[role=tablist]");
      var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
      var select = function (chosen, focus) {
        tabs.forEach(function (tab) {
          var on = tab === chosen;
          tab.setAttribute("aria-selected", on ? "true" : "false");
          tab.tabIndex = on ? 0 : -1;
          tab.classList.toggle("active", on);
          document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
        });
        if (focus) { chosen.focus(); }
      };
      list.hidden = false;
      // A link to a place inside a panel (#rec-heading) opens that panel.
      // After filtering the recommendations (?rec_…) the recommendations stay open.
      var start = tabs[0];
      var target = null;
      try {
        target = window.location.hash.length > 1 ? group.querySelector(window.location.hash) : null;
      } catch (e) {
        target = null;  // not a usable selector
      }
      var filtered = window.location.search.indexOf("rec_") !== -1;
      tabs.forEach(function (tab) {
        var panel = document.getElementById(tab.getAttribute("aria-controls"));
        if ((target && panel.contains(target)) || (filtered && panel.querySelector("form[aria-label]"))) {
          start = tab;
        }
      });
      select(start, false);
      tabs.forEach(function (tab, i) {
        tab.addEventListener("click", function () { select(tab, false); });
        tab.addEventListener("keydown", function (event) {
          var next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[event.key];
          if (next === undefined) { return; }
          event.preventDefault();
          select(tabs[(next + tabs.length) % tabs.length], true);
        });
      });
    })(groups[g]);
  }
});
