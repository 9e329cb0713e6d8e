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

  // --- copy and share ---
  function say(message) {
    var status = document.getElementById("copy-status");
    if (status) status.textContent = message;
  }

  function setUpButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (b) {
      if (navigator.clipboard && window.isSecureContext) b.hidden = false;
    });
    root.querySelectorAll("button[data-share]").forEach(function (b) {
      if (navigator.share) b.hidden = false;
    });
  }

  function onClick(event) {
    var target = event.target instanceof Element ? event.target : null;
    var copy = target && target.closest("button[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.dataset.copy);
      if (!source) return;
      navigator.clipboard.writeText(source.textContent).then(function () {
        copy.classList.add("copied");
        say(copy.dataset.copied || "Copied.");
      });
      return;
    }
    var share = target && target.closest("button[data-share]");
    if (share) {
      var text = document.getElementById(share.dataset.share);
      var data = { text: text ? text.textContent : "" };
      if (share.dataset.shareUrl) data.url = share.dataset.shareUrl;
      navigator.share(data).catch(function () { /* the volunteer closed the share sheet */ });
    }
  }

  function setUp(root) {
    restoreCountry(root);
    setUpDetails(root);
    applyDetails(document);
    fillSignupToken(root);
    setUpButtons(root);
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
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt instanceof Element) setUp(elt);
  });
  takeSignupToken();
  setUp(document);
})();
