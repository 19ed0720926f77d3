// Leaving a page with a changed form that was not sent asks first (the browser's own "leave site?"
// dialog). Search and filter forms (method GET) never ask, nor does a form marked
// data-no-unsaved-warning; the form being submitted does not ask either.
(function () {
  "use strict";
  var submitted = null;

  function watched(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post" &&
      !form.hasAttribute("data-no-unsaved-warning");
  }

  // A single-choice list with no option marked selected in the HTML starts on its first option.
  function selectChanged(select) {
    var options = select.options;
    var marked = false;
    for (var i = 0; i < options.length; i++) {
      if (options[i].defaultSelected) { marked = true; }
    }
    if (!marked && !select.multiple) { return options.length > 0 && select.selectedIndex !== 0; }
    for (var j = 0; j < options.length; j++) {
      if (options[j].selected !== options[j].defaultSelected) { return true; }
    }
    return false;
  }

  // Changed since the page was loaded: each field against its value in the page's HTML.
  function changed(form) {
    var fields = form.elements;
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.disabled || field.readOnly || field.type === "hidden" || field.type === "password" ||
          field.type === "submit" || field.type === "button" || field.type === "reset") { continue; }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) { return true; }
      } else if (field.type === "file") {
        if (field.files && field.files.length) { return true; }
      } else if (field.tagName === "SELECT") {
        if (selectChanged(field)) { return true; }
      } else if ("defaultValue" in field && field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function unsaved() {
    var forms = document.forms;
    for (var i = 0; i < forms.length; i++) {
      if (forms[i] !== submitted && watched(forms[i]) && changed(forms[i])) { return true; }
    }
    return false;
  }

  // On window, after the page's own submit handlers (a cancelled confirmation sends nothing).
  window.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) { submitted = event.target; }
  });
  window.addEventListener("pageshow", function () { submitted = null; });

  window.addEventListener("beforeunload", function (event) {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when a value is set
    }
  });
})();
