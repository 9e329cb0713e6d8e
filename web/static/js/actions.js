// Campaign actions on the volunteer's phone. No inline script anywhere (strict CSP).
// Everything here stays on the device: the chosen country, the volunteer's name and city
// (localStorage), the signup link's token (sessionStorage, from the URL fragment, which
// never reaches the server). The page works without this file.
(function () {
  "use strict";

  var COUNTRY = "muster.actions.country";
  var NAME = "muster.actions.name";
  var CITY = "muster.actions.city";
  var SIGNUP = "muster.actions.signup";

  function store(kind) {
    try { return kind === "session" ? window.sessionStorage : window.localStorage; }
    catch (e) { return null; } // storage disabled (private mode): the page still works
  }
  function read(key, kind) { var s = store(kind); return s ? s.getItem(key) || "" : ""; }
  function write(key, value, kind) {
    var s = store(kind);
    if (!s) return;
    if (value) s.setItem(key, value); else s.removeItem(key);
  }

  // --- country: remembered on this device, sent only as ?country= to render the page ---
  function restoreCountry(root) {
    var select = root.querySelector("select[data-remember-country]");
    if (!select) return;
    var params = new URLSearchParams(window.location.search);
    var saved = read(COUNTRY);
    if (!params.has("country") && saved && select.querySelector('option[value="' + saved + '"]')) {
      params.set("country", saved);
      window.location.replace(window.location.pathname + "?" + params.toString());
    }
  }

  function onChange(event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-remember-country")) {
      write(COUNTRY, el.value);
      if (el.form) el.form.requestSubmit();
    }
  }
  function onSubmit(event) {
    var form = event.target;
    var select = form instanceof HTMLFormElement && form.querySelector("select[data-remember-country]");
    if (select) write(COUNTRY, select.value);
    if (form instanceof HTMLFormElement) onQueueable(event, form);
  }

  // --- the volunteer's name and city, put into the scripts and mailto: links here ---
  function markers() {
    var box = document.querySelector("[data-your-details]");
    return box ? { name: box.dataset.nameMarker, city: box.dataset.cityMarker } : null;
  }

  function fill(text, m) {
    var name = read(NAME), city = read(CITY);
    if (name) text = text.split(m.name).join(name);
    if (city) text = text.split(m.city).join(city);
    return text;
  }

  // RFC 6068: UTF-8 percent-encoding, %20 for spaces, CRLF line breaks.
  function mailto(to, subject, body) {
    var uri = "mailto:" + encodeURIComponent(to).replace(/%40/g, "@");
    var headers = [];
    subject = subject.split(/\s+/).join(" ").trim();
    if (subject) headers.push("subject=" + encodeURIComponent(subject));
    if (body) headers.push("body=" + encodeURIComponent(body.replace(/\r\n|\r|\n/g, "\r\n")));
    return uri + (headers.length ? "?" + headers.join("&") : "");
  }

  function applyDetails(root) {
    var m = markers();
    if (!m) return;
    root.querySelectorAll("[data-fill]").forEach(function (el) {
      if (el.dataset.template === undefined) el.dataset.template = el.textContent;
      el.textContent = fill(el.dataset.template, m);
    });
    root.querySelectorAll("a[data-mailto]").forEach(function (a) {
      a.href = mailto(a.dataset.to || "", fill(a.dataset.subject || "", m), fill(a.dataset.body || "", m));
    });
  }

  function setUpDetails(root) {
    var box = root.querySelector("[data-your-details]");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    box.hidden = false;
    var name = box.querySelector("[data-fill-name]");
    var city = box.querySelector("[data-fill-city]");
    name.value = read(NAME);
    city.value = read(CITY);
    box.addEventListener("input", function () {
      write(NAME, name.value.trim());
      write(CITY, city.value.trim());
      applyDetails(document);
    });
  }

  // --- the signup link: #signup=<token> ties completions to the volunteer ---
  function takeSignupToken() {
    var match = /^#signup=([A-Za-z0-9_\-]{16,200})$/.exec(window.location.hash);
    if (!match) return;
    write(SIGNUP, match[1], "session");
    // Out of the address bar, the history and any bookmark.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  function fillSignupToken(root) {
    var token = read(SIGNUP, "session");
    if (!token) return;
    root.querySelectorAll("input[data-signup-token]").forEach(function (input) { input.value = token; });
  }

  // Copy and share buttons (button[data-copy], button[data-share]) are app.js's.

  // --- done on this phone: remembered here only, so a reload shows it and the form does
  // not stand ready to count it again (its task id in localStorage, nothing sent) ---
  var DONE = "muster.actions.done";

  function doneHere() {
    try { return JSON.parse(read(DONE) || "[]"); } catch (e) { return []; }
  }

  function rememberCounted(root) {
    var cards = root.matches && root.matches("article[data-counted]") ? [root] : [];
    root.querySelectorAll("article[data-counted]").forEach(function (card) { cards.push(card); });
    if (!cards.length) return;
    var done = doneHere();
    cards.forEach(function (card) { if (done.indexOf(card.id) < 0) done.push(card.id); });
    write(DONE, JSON.stringify(done.slice(-500)));
  }

  function foldDone(root) {
    var done = doneHere();
    root.querySelectorAll("article.task[id]").forEach(function (card) {
      if (done.indexOf(card.id) < 0 || card.hasAttribute("data-counted")) return;
      var form = card.querySelector("form[method=post]");
      if (!form || form.hidden) return;
      form.hidden = true;
      var note = document.createElement("p");
      note.className = "notice done-here";
      note.textContent = card.dataset.doneHere || "";
      var again = document.createElement("button");
      again.type = "button";
      again.className = "secondary";
      again.textContent = card.dataset.again || "";
      again.addEventListener("click", function () {
        form.hidden = false;
        note.remove();
        again.remove();
      });
      form.parentNode.insertBefore(note, form);
      form.parentNode.insertBefore(again, form);
    });
  }

  // --- "Mark as done" offline: kept on this phone, sent once back online ---
  // Each form carries its own idempotency key, so a completion sent twice (a retry, two
  // tabs) is counted once. Kept in localStorage until the server has answered it.
  var QUEUE = "muster.actions.queue";
  var DONE_FORM = /\/campaigns\/[0-9a-f-]{36}\/actions\/[0-9a-f-]{36}\/done$/;

  function queued() {
    try { return JSON.parse(read(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function keepQueue(list) { write(QUEUE, list.length ? JSON.stringify(list) : ""); }

  function markQueueable(root) {
    root.querySelectorAll("form[method=post]").forEach(function (form) {
      if (DONE_FORM.test(new URL(form.action, window.location.href).pathname)) {
        form.setAttribute("data-queued", "");
      }
    });
  }

  function keepForLater(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "_csrf_token" && typeof value === "string") fields.push([name, value]);
    });
    var list = queued().filter(function (item) { return item.key !== form.elements.key.value; });
    list.push({ action: form.action, key: form.elements.key.value, fields: fields });
    keepQueue(list);
    if (window.musterNoteBy) window.musterNoteBy(form, "queued");
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; }
    catch (e) { return ""; }
  }

  function sendKept() {
    var list = queued();
    if (!list.length || !navigator.onLine) return;
    var token = csrfToken();
    Promise.all(list.map(function (item) {
      return fetch(item.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrftoken": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(item.fields).toString()
      }).then(function (response) {
        if (response.ok) {
          var task = /\/actions\/([0-9a-f-]{36})\/done$/.exec(item.action);
          var done = doneHere();
          if (task && done.indexOf("task-" + task[1]) < 0) done.push("task-" + task[1]);
          write(DONE, JSON.stringify(done.slice(-500)));
        }
        // Answered (counted, or refused for good): done with it. A 403 (the page's token
        // is stale) or a server error is tried again on the next visit.
        return response.status === 403 || response.status >= 500 ? item : null;
      }, function () { return item; });
    })).then(function (left) {
      var still = left.filter(Boolean);
      keepQueue(still);
      var status = document.getElementById("net-status");
      if (status && still.length < list.length) {
        status.textContent = status.dataset.sent || "";
        status.hidden = false;
      }
    });
  }

  function onQueueable(event, form) {
    if (navigator.onLine || !form || !form.hasAttribute("data-queued")) return;
    event.preventDefault();
    // Kept only when the server would take it as it is: an outcome must be chosen.
    var outcomes = form.querySelectorAll("input[type=radio][name=outcome]");
    var chosen = form.querySelector("input[type=radio][name=outcome]:checked");
    if (outcomes.length && !chosen) {
      if (window.musterNoteBy) window.musterNoteBy(form, "unsent");
      return;
    }
    keepForLater(form);
  }

  function setUp(root) {
    restoreCountry(root);
    setUpDetails(root);
    applyDetails(document);
    fillSignupToken(root);
    markQueueable(root);
    rememberCounted(root);
    foldDone(root);
  }

  // Boosted navigation (htmx) swaps in pages that load this file again: listeners are
  // added once, and every new piece of page (a whole page, or a card after "Mark as done")
  // is set up when htmx announces it.
  if (window.musterActions) {
    takeSignupToken();
    setUp(document);
    return;
  }
  window.musterActions = true;
  document.addEventListener("change", onChange);
  document.addEventListener("submit", onSubmit);
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt instanceof Element) setUp(elt);
  });
  // htmx posts its forms itself: catch those offline before they fail (a second call for
  // the same form is harmless: the queue keeps one entry per idempotency key).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt instanceof Element) onQueueable(event, elt.closest("form"));
  });
  window.addEventListener("online", sendKept);
  takeSignupToken();
  setUp(document);
  sendKept(); // the next visit sends what an earlier one kept
})();
