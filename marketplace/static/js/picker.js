// Search pickers (macros.html picker_search): a type-ahead in the ARIA combobox pattern over the
// page's own search. Typing asks the picker's JSON endpoint; Up/Down move through the candidates
// (aria-activedescendant, focus stays in the box), Enter or a click chooses one, Escape closes the
// list (and clears the box when it is already closed). Choosing puts that one candidate, with its
// button, where the page's search results go. Without JavaScript the search is an ordinary GET form.
(function () {
  function setUp(picker) {
    var input = picker.querySelector("[role=combobox]");
    var listbox = document.getElementById(picker.getAttribute("data-listbox"));
    var results = document.getElementById(picker.getAttribute("data-results"));
    var source = picker.getAttribute("data-source");
    var candidates = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        var on = i === index;
        options[i].setAttribute("aria-selected", on ? "true" : "false");
        options[i].classList.toggle("active", on);
      }
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(found) {
      candidates = found;
      listbox.textContent = "";
      if (!found.length) {
        var none = document.createElement("li");
        none.className = "list-group-item text-muted small";
        none.textContent = "没有找到相符的候选。";
        listbox.appendChild(none);
      }
      found.forEach(function (candidate, index) {
        var option = document.createElement("li");
        option.id = listbox.id + "-" + index;
        option.className = "list-group-item list-group-item-action picker-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("strong");
        name.textContent = candidate.label;
        option.appendChild(name);
        var detail = document.createElement("span");
        detail.className = "small text-muted d-block";
        detail.textContent = (candidate.note ? candidate.note + " · " : "") + candidate.detail;
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(index); });
        listbox.appendChild(option);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function choose(index) {
      var candidate = candidates[index];
      input.value = candidate.label;
      close();
      results.textContent = "";
      var list = document.createElement("ul");
      list.className = "list-group";
      var item = document.createElement("li");
      item.className = "list-group-item d-flex flex-wrap gap-2 justify-content-between align-items-center";
      var text = document.createElement("span");
      var name = document.createElement("strong");
      name.textContent = candidate.label;
      text.appendChild(name);
      text.appendChild(document.createElement("br"));
      var detail = document.createElement("span");
      detail.className = "small text-muted";
      detail.textContent = candidate.detail;
      text.appendChild(detail);
      var button = document.createElement("button");
      button.type = "submit";
      button.name = picker.getAttribute("data-name");
      button.value = String(candidate.id);
      button.className = "btn btn-outline-primary";
      button.textContent = picker.getAttribute("data-button");
      button.setAttribute("aria-label", button.textContent + "：" + candidate.label);
      item.appendChild(text);
      item.appendChild(button);
      list.appendChild(item);
      results.appendChild(list);
    }

    function search() {
      var q = input.value.trim();
      var ticket = ++asked;
      fetch(source + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ticket === asked && document.activeElement === input) { show(data.results || []); }
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden && candidates.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { search(); return; }
        highlight(active + 1 < candidates.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        highlight(active > 0 ? active - 1 : candidates.length - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();  // choose, do not send the page's search
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var pickers = document.querySelectorAll("[data-picker]");
    for (var i = 0; i < pickers.length; i++) { setUp(pickers[i]); }
  });
})();
