// Muster's only script besides htmx. No inline script anywhere (strict CSP).
(function () {
  "use strict";

  // "Near me": ask for the location only when the volunteer taps, and round it to
  // two decimals (about 1 km) before it ever leaves the phone.
  function nearMe(button) {
    var form = button.closest("form");
    var status = document.getElementById("near-status");
    if (!navigator.geolocation || !form) {
      if (status) status.textContent = button.dataset.unavailable || "Location is not available.";
      return;
    }
    if (status) status.textContent = button.dataset.locating || "Finding you…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = Math.round(pos.coords.latitude * 100) / 100;
      var lon = Math.round(pos.coords.longitude * 100) / 100;
      form.querySelector("[name=near]").value = lat.toFixed(2) + "," + lon.toFixed(2);
      var place = form.querySelector("[name=place]");
      if (place) place.value = "";
      if (status) status.textContent = "";
      form.requestSubmit();
    }, function () {
      if (status) status.textContent = button.dataset.denied || "Location was not shared.";
    }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-near-me]") : null;
    if (target) { event.preventDefault(); nearMe(target); }
  });

  // Typing a place replaces coordinates from an earlier "near me".
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.name === "place" && el.form) {
      var near = el.form.querySelector("[name=near]");
      if (near) near.value = "";
    }
  });
})();
