// Small page helpers; everything else is HTMX.
(function () {
  "use strict";

  // Form answers with errors (422), conflicts (409) and refusals (403) carry
  // the re-rendered section: swap them in like a success.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "40[39]", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  function initMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("main-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  }

  var LEVEL_STYLE = {
    district: { color: "#0b5cad", weight: 3, fillOpacity: 0.02 },
    street: { color: "#0b5cad", weight: 2.5, fillOpacity: 0.03 },
    community: { color: "#2f9e44", weight: 2, fillOpacity: 0.04 },
    grid: { color: "#e8590c", weight: 1.5, fillOpacity: 0.05 },
    building: { color: "#616e7c", weight: 1, dashArray: "3 3", fillOpacity: 0.08 },
  };

  function checkDuplicates() {
    var box = document.getElementById("duplicates");
    if (box && window.htmx) window.htmx.trigger(box, "anxin:check");
  }

  function initReportMap() {
    var el = document.getElementById("report-map");
    if (!el || !window.L) return;
    var L = window.L;
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    var readout = document.getElementById("location-readout");
    var map = L.map(el, { attributionControl: false }).setView([30.02, 120.04], 13);
    var marker = null;
    window.anxinReportMap = map;

    function setPoint(la, ln, centre) {
      lat.value = la.toFixed(6);
      lng.value = ln.toFixed(6);
      if (marker) marker.setLatLng([la, ln]);
      else marker = L.circleMarker([la, ln], { radius: 8, color: "#c92a2a", weight: 3, fillOpacity: 0.6 }).addTo(map);
      if (centre) map.setView([la, ln], Math.max(map.getZoom(), 15));
      if (readout) readout.textContent = lat.value + ", " + lng.value;
      checkDuplicates();
    }
    window.anxinSetPoint = setPoint;

    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false); });
    var hadPoint = lat.value && lng.value;
    if (hadPoint) setPoint(parseFloat(lat.value), parseFloat(lng.value), true);

    fetch(el.getAttribute("data-areas-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.features && data.features.length) {
          var layer = L.geoJSON(data, {
            interactive: false,
            style: function (f) { return LEVEL_STYLE[f.properties.level] || LEVEL_STYLE.grid; },
          }).addTo(map);
          if (!hadPoint) map.fitBounds(layer.getBounds(), { padding: [6, 6] });
        }
      })
      .catch(function () { /* the map still takes clicks without the polygons */ })
      .then(function () { el.setAttribute("data-ready", "1"); });

    var locate = document.getElementById("use-my-location");
    if (locate) {
      if (!navigator.geolocation) locate.hidden = true;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(
          function (pos) { setPoint(pos.coords.latitude, pos.coords.longitude, true); },
          function (err) { if (readout) readout.textContent = err.message; },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
  }

  function initCategoryHint() {
    var select = document.getElementById("id_category");
    var hint = document.getElementById("colour-hint");
    var colour = document.getElementById("id_risk_colour");
    if (!select || !hint) return;
    if (colour) colour.addEventListener("change", function () { colour.setAttribute("data-touched", "1"); });
    function update() {
      var option = select.options[select.selectedIndex];
      var value = option ? option.getAttribute("data-colour") : "";
      if (value) {
        hint.textContent = hint.getAttribute("data-prefix") + " " + hint.getAttribute("data-" + value);
        hint.className = "help colour-hint hint-" + value;
        if (colour && !colour.getAttribute("data-touched")) colour.value = value;
      } else {
        hint.textContent = "";
      }
    }
    select.addEventListener("change", function () { update(); checkDuplicates(); });
    document.body.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail && e.detail.target === select) { update(); checkDuplicates(); }
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    initMenu();
    initReportMap();
    initCategoryHint();
  });
})();
