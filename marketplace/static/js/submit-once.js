// A form is sent once: while it is sending, its submit buttons are disabled and say "提交中…".
// The server makes a repeat harmless anyway (the form's submission token, services/submissions.py);
// this spares the user the second request and says that the first one is on its way. A form sent
// again after "back" keeps the token it was first sent with, so the server sees it is the same.
(function () {
  "use strict";

  var SENDING = "提交中…";
  var STALL_MS = 20000; // a request still unanswered by then (a dropped connection): let the user try again

  function buttonsOf(form) {
    var inside = form.querySelectorAll("button, input[type=submit], input[type=image]");
    var outside = form.id ? document.querySelectorAll('[form="' + form.id + '"]') : [];
    var all = Array.prototype.slice.call(inside).concat(Array.prototype.slice.call(outside));
    return all.filter(function (el) {
      var type = (el.getAttribute("type") || "submit").toLowerCase();
      return type === "submit" || type === "image";
    });
  }

  function release(form) {
    if (!form.hasAttribute("data-sending")) { return; }
    form.removeAttribute("data-sending");
    form.removeAttribute("aria-busy");
    window.clearTimeout(form._submitOnceTimer);
    buttonsOf(form).forEach(function (button) {
      if (!button.hasAttribute("data-sending-label")) { return; }
      var label = button.getAttribute("data-sending-label");
      if (button.tagName === "INPUT") { button.value = label; } else { button.innerHTML = label; }
      button.removeAttribute("data-sending-label");
      button.removeAttribute("aria-disabled");
      button.disabled = false;
    });
  }

  // The submission token of each form sent from this page, kept for this tab: a page the browser
  // loads again on "back" has a fresh token, and the form sent again from it would count as new.
  function tokenKey(form) {
    var forms = Array.prototype.slice.call(document.querySelectorAll("form"));
    return "submit-once:" + location.pathname + location.search + "|" + (form.getAttribute("action") || "") +
      "|" + forms.indexOf(form);
  }

  function keepToken(form) {
    var token = form.querySelector("input[name=submission_token]");
    try {
      if (token) { window.sessionStorage.setItem(tokenKey(form), token.value); }
    } catch (ignored) { /* storage off or full: the server still refuses most repeats by content */ }
  }

  function restoreTokens() {
    var navigation = window.performance && performance.getEntriesByType &&
      performance.getEntriesByType("navigation")[0];
    if (!navigation || navigation.type !== "back_forward") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      var token = form.querySelector("input[name=submission_token]");
      var kept = null;
      try { kept = token && window.sessionStorage.getItem(tokenKey(form)); } catch (ignored) { kept = null; }
      if (kept) { token.value = kept; }
    });
  }

  function hold(form, submitter) {
    keepToken(form);
    form.setAttribute("data-sending", "");
    form.setAttribute("aria-busy", "true");
    buttonsOf(form).forEach(function (button) {
      if (button.disabled) { return; } // disabled by the page itself: not ours to re-enable
      button.setAttribute("data-sending-label", button.tagName === "INPUT" ? button.value : button.innerHTML);
      button.setAttribute("aria-disabled", "true");
      if (button === submitter) {
        if (button.tagName === "INPUT") { button.value = SENDING; } else { button.textContent = SENDING; }
      }
    });
    // Disabled only after the browser has read the form: a disabled submitter would drop its
    // name=value from what is sent.
    window.setTimeout(function () {
      if (!form.hasAttribute("data-sending")) { return; }
      buttonsOf(form).forEach(function (button) {
        if (button.hasAttribute("data-sending-label")) { button.disabled = true; }
      });
    }, 0);
    form._submitOnceTimer = window.setTimeout(function () { release(form); }, STALL_MS);
  }

  // On window, in the bubbling phase: after app.js's confirmation (and any other page script) has
  // had its say, so a cancelled submit is not held.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM" || (form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    if (form.getAttribute("data-submit-once") === "off" || form.getAttribute("target")) { return; }
    if (form.hasAttribute("data-sending")) { // the second click of a double click, Enter pressed again
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) { return; }
    hold(form, event.submitter || null);
  });

  // The browser's own validation stopped the submit (no submit event then): keep the form usable.
  document.addEventListener("invalid", function (event) {
    if (event.target && event.target.form) { release(event.target.form); }
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreTokens);
  } else {
    restoreTokens();
  }

  // Back to this page from the next one: the browser may show it as it was left, buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), release);
  });
}());
