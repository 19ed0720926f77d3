// The idle timeout's warning (auth/idle.py). The server ends a session after data-idle-timeout seconds
// without a request; data-idle-warning seconds before, this shows a dialog with a countdown and a
// button "继续使用" that renews the session. Every decision follows the server's answer (how long the
// session has left), never this page's timer alone: a request from another tab renews the session
// for all of them. When the time is up the page goes to the login page, which says why and comes
// back here after logging in.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var timeout = parseInt(script.getAttribute("data-idle-timeout"), 10);
  var warning = parseInt(script.getAttribute("data-idle-warning"), 10);
  var statusUrl = script.getAttribute("data-status-url");
  var keepAliveUrl = script.getAttribute("data-keep-alive-url");
  var loginUrl = script.getAttribute("data-login-url");
  if (!(timeout > 0)) { return; }
  warning = Math.min(Math.max(warning || 0, 0), timeout);

  var deadline = Date.now() + timeout * 1000; // this page's own request has just renewed the session
  var checkTimer = null;
  var tickTimer = null;
  var dialog = null;
  var countdown = null;
  var idleMinutes = null;
  var focusBefore = null;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function buildDialog() {
    dialog = document.createElement("div");
    dialog.className = "alert alert-warning shadow position-fixed bottom-0 end-0 m-3 z-3";
    dialog.setAttribute("role", "alertdialog");
    dialog.setAttribute("aria-labelledby", "session-idle-title");
    dialog.setAttribute("aria-describedby", "session-idle-text");
    dialog.setAttribute("data-session-idle-warning", "");
    dialog.hidden = true;
    var title = document.createElement("h2");
    title.id = "session-idle-title";
    title.className = "h6";
    title.textContent = "即将自动退出登录";
    var text = document.createElement("p");
    text.id = "session-idle-text";
    idleMinutes = document.createElement("span");
    countdown = document.createElement("span");
    countdown.setAttribute("data-countdown", "");
    text.append("您已 ", idleMinutes, " 分钟未操作，将于 ", countdown, " 后自动退出。未保存的内容将会丢失。");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-primary btn-sm";
    button.textContent = "继续使用";
    button.addEventListener("click", keepAlive);
    dialog.append(title, text, button);
    document.body.appendChild(dialog);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
  }

  function show() {
    if (!dialog) { buildDialog(); }
    idleMinutes.textContent = String(Math.max(1, Math.round((timeout * 1000 - (deadline - Date.now())) / 60000)));
    tick();
    clearInterval(tickTimer);
    tickTimer = setInterval(tick, 1000);
    if (dialog.hidden) {
      dialog.hidden = false;
      focusBefore = document.activeElement;
      dialog.querySelector("button").focus(); // an alertdialog takes focus, so that it is read out
    }
  }

  function hide() {
    clearInterval(tickTimer);
    if (dialog && !dialog.hidden) {
      dialog.hidden = true;
      if (focusBefore && document.contains(focusBefore)) { focusBefore.focus(); }
    }
  }

  function expire() {
    clearTimeout(checkTimer);
    clearInterval(tickTimer);
    var here = location.pathname + location.search;
    location.assign(loginUrl + (loginUrl.indexOf("?") < 0 ? "?" : "&") + "next=" + encodeURIComponent(here));
  }

  // Act on the server's answer: `remaining` seconds before the session ends.
  function schedule(remaining) {
    clearTimeout(checkTimer);
    deadline = Date.now() + remaining * 1000;
    if (remaining <= 0) { expire(); return; }
    if (remaining > warning) {
      hide();
      checkTimer = setTimeout(check, (remaining - warning) * 1000);
      return;
    }
    show();
    // While the warning shows, ask again now and then: another tab may have renewed the session.
    checkTimer = setTimeout(check, Math.max(500, Math.min(remaining, 15) * 1000));
  }

  function answer(response) {
    if (response.status === 401) { expire(); return null; }
    if (!response.ok) { throw new Error("status " + response.status); }
    return response.json().then(function (data) { schedule(data.remaining); });
  }

  function retryLater() {
    // The server could not be reached: keep to the last known deadline, and ask again soon.
    var left = (deadline - Date.now()) / 1000;
    if (left <= warning && left > 0) { show(); }
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, Math.max(1000, Math.min(left, 30) * 1000));
  }

  function check() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(answer).catch(retryLater);
  }

  function keepAlive() {
    fetch(keepAliveUrl, {method: "POST", credentials: "same-origin",
                         headers: {"Accept": "application/json", "X-CSRFToken": csrfToken()}})
      .then(answer).catch(check);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { check(); } // timers sleep in background tabs
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { check(); } // back from the browser's cache: no request renewed anything
  });
  schedule(timeout);
})();
