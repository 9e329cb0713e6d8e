// After a quick exit, this tab must never show a personal page again (issue 12).
// Loaded without defer in the <head> of personal pages (/my/..., /m/...), so it runs
// before anything of the page is drawn; a separate file because the CSP forbids inline
// script. app.js marks the tab when the volunteer leaves; Back or Forward into one of
// these pages then sends the tab on to the neutral site again, and so does a page the
// browser restores from its back/forward cache. Opening a link afresh (from the mail)
// is a new visit on purpose: it clears the mark.
(function () {
  "use strict";

  var MARK = "muster-exited"; // the same key as in app.js
  var root = document.documentElement;
  var script = document.currentScript;
  var neutral = (script && script.getAttribute("data-exit-to")) || "/exit";

  function exited() {
    try { return sessionStorage.getItem(MARK) === "1"; } catch (e) { return false; }
  }

  function throughHistory() {
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation") : [];
    return entries.length > 0 && entries[0].type === "back_forward";
  }

  function leave() {
    root.classList.add("exiting"); // app.css hides the body until the neutral site loads
    window.location.replace(neutral);
  }

  if (exited()) {
    if (throughHistory()) {
      leave();
    } else {
      try { sessionStorage.removeItem(MARK); } catch (e) { /* storage disabled */ }
    }
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && exited()) leave();
  });
})();
