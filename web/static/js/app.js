// Muster's only script besides htmx (and the service worker, web/static/js/sw.js).
// No inline script anywhere (strict CSP). Every feature here has a no-JavaScript fallback:
// forms post, links navigate, quick exit leaves through /exit.
(function () {
  "use strict";

  var KEEP_CACHE = "muster-keep"; // the service worker's pages kept for offline use
  var root = document.documentElement;

  function closest(event, selector) {
    return event.target instanceof Element ? event.target.closest(selector) : null;
  }

  // ---- Quick exit ---------------------------------------------------------------------
  // One tap replaces this page and its history entry with a neutral site; Back then does
  // not come back here. The page is hidden first, in case the next one is slow to come.
  function quickExit(link) {
    var source = link || document.querySelector("[data-quick-exit]");
    var to = source ? source.getAttribute("data-quick-exit") : null;
    root.classList.add("exiting");
    document.title = "";
    try {
      sessionStorage.clear();
      // exit-guard.js reads this: Back into a personal page in this tab leaves again.
      sessionStorage.setItem("muster-exited", "1");
    } catch (e) { /* storage may be disabled */ }
    window.location.replace(to || "/exit");
  }

  var escapes = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    escapes = escapes.filter(function (t) { return now - t < 2000; });
    escapes.push(now);
    if (escapes.length >= 3) quickExit(null);
  });

  // ---- "Near me" ----------------------------------------------------------------------
  // Ask for the location only when the volunteer taps, and round it to two decimals
  // (about 1 km) before it ever leaves the phone.
  function nearMe(button) {
    var form = button.closest("form");
    var status = document.getElementById("near-status");
    if (!navigator.geolocation || !form) {
      if (status) status.textContent = button.dataset.unavailable || "Location is not available.";
      return;
    }
    if (status) status.textContent = button.dataset.locating || "Finding you…";
    button.setAttribute("aria-busy", "true");
    navigator.geolocation.getCurrentPosition(function (pos) {
      button.removeAttribute("aria-busy");
      var lat = Math.round(pos.coords.latitude * 100) / 100;
      var lon = Math.round(pos.coords.longitude * 100) / 100;
      form.querySelector("[name=near]").value = lat.toFixed(2) + "," + lon.toFixed(2);
      var place = form.querySelector("[name=place]");
      if (place) place.value = "";
      if (status) status.textContent = "";
      form.requestSubmit();
    }, function () {
      button.removeAttribute("aria-busy");
      if (status) status.textContent = button.dataset.denied || "Location was not shared.";
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  }

  document.addEventListener("click", function (event) {
    var exit = closest(event, "[data-quick-exit]");
    if (exit) { event.preventDefault(); quickExit(exit); return; }
    var near = closest(event, "[data-near-me]");
    if (near) { event.preventDefault(); nearMe(near); return; }
    var copy = closest(event, "button[data-copy]");
    if (copy) { copyText(copy); return; }
    var sharing = closest(event, "button[data-share]");
    if (sharing) { share(sharing); return; }
    var install = closest(event, "[data-install]");
    if (install && deferredInstall) {
      deferredInstall.prompt();
      deferredInstall = null;
      install.hidden = true;
    }
  });

  // Typing a place replaces coordinates from an earlier "near me".
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.name === "place" && el.form) {
      var near = el.form.querySelector("[name=near]");
      if (near) near.value = "";
    }
  });

  // ---- Forget this device -------------------------------------------------------------
  // Clear what script can reach at once (Cache Storage, local and session storage); the
  // form's POST then asks the server for Clear-Site-Data, which also drops the cookies
  // and the service worker. Offline, the local part still happens and says so.
  function forgetLocally() {
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* disabled storage */ }
    if (!("caches" in window)) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-forget")) {
      event.preventDefault();
      form.classList.add("is-busy");
      forgetLocally().then(function () {
        if (navigator.onLine) { form.submit(); return; }
        form.classList.remove("is-busy");
        var status = form.querySelector("[role=status]");
        if (status) { status.hidden = false; status.textContent = status.dataset.offline || ""; }
      });
      return;
    }
    // Offline, a post would end on the browser's error page: say so by the button instead.
    if (!event.defaultPrevented && form.method === "post" && !navigator.onLine) {
      event.preventDefault();
      if (!form.hasAttribute("data-queued")) noteBy(form, "unsent");
      return;
    }
    // A plain (not htmx) post can take a second: show it is on its way.
    if (!event.defaultPrevented && !form.hasAttribute("hx-post") && form.method === "post") {
      form.classList.add("is-busy");
      form.setAttribute("aria-busy", "true");
    }
  });
  // Back/forward cache: a page restored after a post must not look busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.is-busy").forEach(function (form) {
      form.classList.remove("is-busy");
      form.removeAttribute("aria-busy");
    });
  });

  // ---- htmx: busy state and network trouble -------------------------------------------
  var pending = 0;
  function busy(delta, target) {
    pending = Math.max(0, pending + delta);
    root.classList.toggle("is-loading", pending > 0);
    if (target instanceof Element) {
      if (delta > 0) target.setAttribute("aria-busy", "true");
      else target.removeAttribute("aria-busy");
    }
  }
  var netStatus = null;
  function say(kind) {
    netStatus = netStatus || document.getElementById("net-status");
    if (!netStatus) return;
    if (!kind) { netStatus.hidden = true; netStatus.textContent = ""; return; }
    netStatus.textContent = netStatus.dataset[kind] || "";
    netStatus.hidden = false;
  }
  // Next to the form's button: why nothing happened (offline), in the page's language.
  function noteBy(form, kind) {
    var texts = document.getElementById("net-status");
    var note = form.querySelector(".offline-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "offline-note";
      note.setAttribute("role", "alert");
      var button = form.querySelector("button[type=submit], button:not([type])");
      (button && button.parentNode ? button.parentNode : form).appendChild(note);
    }
    note.textContent = texts ? texts.dataset[kind] || "" : "";
  }
  window.musterNoteBy = noteBy; // actions.js says "kept, sent later" the same way
  // An htmx post offline is stopped before it fails, with the same note (forms marked
  // data-queued are kept for later by their page's script instead).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    var verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!navigator.onLine && verb && verb !== "get" && elt instanceof Element) {
      event.preventDefault();
      var form = elt.closest("form") || elt;
      if (!form.hasAttribute("data-queued")) noteBy(form, "unsent");
      return;
    }
    busy(1, event.target);
  });
  document.addEventListener("htmx:afterRequest", function (event) { busy(-1, event.target); });
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail && event.detail.requestConfig;
    // A boosted link that fails: navigate for real, so the service worker can answer from
    // what it kept (or its offline page) and the browser shows the page it gets.
    if (config && config.boosted && config.verb === "get" && config.path) {
      window.location.assign(config.path);
      return;
    }
    say("failed");
  });
  // Search results that land below the fold (the form fills a phone's screen): bring
  // them up, so "Near me" visibly did something.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!(target instanceof Element) || target.id !== "results") return;
    var top = target.getBoundingClientRect().top;
    if (top > window.innerHeight * 0.6 || top < 0) {
      var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      target.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
    }
  });

  // A boosted page brings its own (hidden) banner: say it again if still offline.
  document.addEventListener("htmx:afterSettle", function () {
    netStatus = null;
    if (!navigator.onLine) say("offline");
  });
  window.addEventListener("offline", function () { say("offline"); });
  window.addEventListener("online", function () { say(null); });
  if (!navigator.onLine) say("offline");

  // ---- Copy and share buttons ---------------------------------------------------------
  // <button data-copy="ID" data-copied="Copied." hidden>: shown where the clipboard works
  // (secure pages), copies the text of #ID and says so in #copy-status (aria-live).
  // <button data-share="ID" data-share-url="…" hidden>: the phone's share sheet, where it
  // has one; a copy button marked data-copy-fallback stands in for it elsewhere.
  function showCopyButtons() {
    var canShare = typeof navigator.share === "function";
    var canCopy = !!(navigator.clipboard && window.isSecureContext);
    document.querySelectorAll("button[data-share][hidden]").forEach(function (b) {
      if (canShare) b.hidden = false;
    });
    document.querySelectorAll("button[data-copy][hidden]").forEach(function (b) {
      if (canCopy && !(canShare && b.hasAttribute("data-copy-fallback"))) b.hidden = false;
    });
  }
  function copyText(button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.classList.add("copied");
      var status = document.getElementById("copy-status");
      if (status) status.textContent = button.dataset.copied || "";
    });
  }
  function share(button) {
    var text = document.getElementById(button.dataset.share);
    var data = { text: text ? text.textContent.trim() : "" };
    if (button.dataset.shareUrl) data.url = button.dataset.shareUrl;
    navigator.share(data).catch(function () { /* the volunteer closed the share sheet */ });
  }
  document.addEventListener("htmx:load", showCopyButtons);
  showCopyButtons();

  // ---- Pages kept on this device ------------------------------------------------------
  // The offline page and "forget this device" list what the service worker kept, by the
  // titles of the pages themselves (read locally; nothing is sent anywhere).
  function listKept() {
    var list = document.querySelector("[data-kept-list]");
    if (!list || !("caches" in window)) return;
    var empty = document.querySelector("[data-kept-empty]");
    caches.open(KEEP_CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (response) {
            return response ? response.text() : "";
          }).then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            return { url: request.url, title: (doc.title || request.url).replace(/ · Muster$/, "") };
          });
        }));
      });
    }).then(function (pages) {
      list.textContent = "";
      pages.forEach(function (page) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = page.url;
        link.textContent = page.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = pages.length === 0;
      if (empty) empty.hidden = pages.length > 0;
    }).catch(function () { /* nothing kept */ });
  }
  document.addEventListener("htmx:load", listKept);
  listKept();

  // ---- Installable app ----------------------------------------------------------------
  var deferredInstall = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferredInstall = event;
    document.querySelectorAll("[data-install]").forEach(function (b) { b.hidden = false; });
  });

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        /* no worker (private mode, blocked): the site still works online */
      });
    });
  }
})();
