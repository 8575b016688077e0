/* The hazard map: org tree polygons (always), hazard markers with clustering,
 * an H3 heat layer, layer toggles and filters. Data is WGS-84; with a GCJ-02
 * tile layer every drawn coordinate is converted at display (gcj02.js). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var text = JSON.parse(document.getElementById("map-text").textContent);
  var convert = Boolean(config.tileUrl) && config.tileCrs === "gcj02";
  var COLOUR_ORDER = ["blue", "yellow", "orange", "red"];
  var BUILDING_ZOOM = 16;
  var HEAT_FINE_ZOOM = 14;

  function toLatLng(lat, lng) {
    if (!convert) {
      return L.latLng(lat, lng);
    }
    var p = window.AnxinGcj02.wgs84ToGcj02(lng, lat);
    return L.latLng(p[1], p[0]);
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  // --- page layout: the map fills the screen under the top bar ---------------------
  var shell = document.querySelector(".map-shell");
  function fitShell() {
    var bar = document.querySelector(".topbar");
    var top = bar ? bar.getBoundingClientRect().height : 0;
    shell.style.setProperty("--topbar-h", top + "px");
  }
  fitShell();

  var map = L.map("hazard-map", { zoomControl: true, minZoom: 3, maxZoom: 19 });
  map.setView([35.0, 105.0], 4);
  window.anxinMap = map;
  window.addEventListener("resize", function () {
    fitShell();
    map.invalidateSize();
  });

  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, {
      subdomains: config.tileSubdomains || "abc",
      attribution: config.tileAttribution || "",
      maxZoom: 19,
    }).addTo(map);
  }
  map.createPane("heat");
  map.getPane("heat").style.zIndex = 450;

  // --- the org tree polygons -------------------------------------------------------
  var AREA_STYLES = {
    district: { color: "#52606d", weight: 3, fillOpacity: 0.02, dashArray: null },
    street: { color: "#0b5cad", weight: 2.5, fillOpacity: 0.04 },
    community: { color: "#2f9e44", weight: 1.8, fillOpacity: 0.05 },
    grid: { color: "#7b8794", weight: 1, fillOpacity: 0.05, dashArray: "4 3" },
    building: { color: "#9c6644", weight: 1, fillOpacity: 0.25, fillColor: "#d4a373" },
  };
  function areaLayer(filter) {
    return L.geoJSON(null, {
      filter: filter,
      coordsToLatLng: function (c) {
        return toLatLng(c[1], c[0]);
      },
      style: function (feature) {
        return AREA_STYLES[feature.properties.level] || AREA_STYLES.grid;
      },
      onEachFeature: function (feature, layer) {
        layer.options.className = "area-" + feature.properties.level;
        layer.bindTooltip(feature.properties.name, { sticky: true });
      },
    });
  }
  var treeLayer = areaLayer(function (f) {
    return f.properties.level !== "building";
  });
  var buildingLayer = areaLayer(function (f) {
    return f.properties.level === "building";
  });
  var layers = {
    areas: treeLayer,
    markers: null,
    heat: L.layerGroup(),
  };

  function showBuildings() {
    var wanted = isOn("areas") && map.getZoom() >= BUILDING_ZOOM;
    if (wanted && !map.hasLayer(buildingLayer)) {
      buildingLayer.addTo(map);
    } else if (!wanted && map.hasLayer(buildingLayer)) {
      map.removeLayer(buildingLayer);
    }
  }

  // --- markers -----------------------------------------------------------------------
  function worstColour(markers) {
    var worst = 0;
    for (var i = 0; i < markers.length; i++) {
      worst = Math.max(worst, COLOUR_ORDER.indexOf(markers[i].options.colour));
    }
    return COLOUR_ORDER[Math.max(worst, 0)];
  }
  var cluster = L.markerClusterGroup({
    chunkedLoading: true,
    showCoverageOnHover: false,
    maxClusterRadius: 45,
    iconCreateFunction: function (group) {
      var children = group.getAllChildMarkers();
      var count = group.getChildCount();
      var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48;
      return L.divIcon({
        html: "<span>" + count + "</span>",
        className: "hazard-cluster hazard-cluster-" + worstColour(children),
        iconSize: L.point(size, size),
      });
    },
  });
  layers.markers = cluster;
  var icons = {};
  function iconFor(colour) {
    if (!icons[colour]) {
      icons[colour] = L.divIcon({
        className: "hazard-marker hazard-" + colour,
        iconSize: [16, 16],
        iconAnchor: [8, 8],
        popupAnchor: [0, -8],
      });
    }
    return icons[colour];
  }
  function popupFor(row) {
    var box = document.createElement("div");
    box.className = "hazard-popup";
    var code = document.createElement("strong");
    code.textContent = row[5];
    var title = document.createElement("div");
    title.textContent = row[6];
    var status = document.createElement("div");
    var badge = document.createElement("span");
    badge.className = "badge " + row[3];
    badge.textContent = config.colourLabels[row[3]] || row[3];
    status.appendChild(badge);
    status.appendChild(document.createTextNode(" " + (config.statusLabels[row[4]] || row[4])));
    var link = document.createElement("a");
    link.href = config.hazardUrl.replace("{id}", String(row[0]));
    link.textContent = text.open_file;
    box.append(code, title, status, link);
    return box;
  }
  function drawMarkers(rows) {
    cluster.clearLayers();
    var markers = rows.map(function (row) {
      var marker = L.marker(toLatLng(row[1], row[2]), {
        icon: iconFor(row[3]),
        colour: row[3],
        title: row[5],
        keyboard: true,
      });
      marker.bindPopup(function () {
        return popupFor(row);
      });
      return marker;
    });
    cluster.addLayers(markers);
  }

  // --- heat cells --------------------------------------------------------------------
  var heatResolution = null;
  function heatColour(share) {
    // light yellow -> deep red
    var stops = [
      [255, 237, 160],
      [254, 178, 76],
      [240, 59, 32],
      [153, 0, 13],
    ];
    var x = Math.min(Math.max(share, 0), 1) * (stops.length - 1);
    var i = Math.min(Math.floor(x), stops.length - 2);
    var t = x - i;
    var c = stops[i].map(function (v, k) {
      return Math.round(v + (stops[i + 1][k] - v) * t);
    });
    return "rgb(" + c.join(",") + ")";
  }
  function drawHeat(payload) {
    layers.heat.clearLayers();
    var max = payload.max || 1;
    payload.cells.forEach(function (cell) {
      var ring = cell.boundary.map(function (p) {
        return toLatLng(p[0], p[1]);
      });
      L.polygon(ring, {
        pane: "heat",
        className: "heat-cell",
        color: "#ffffff",
        weight: 1,
        fillColor: heatColour(cell.count / max),
        fillOpacity: 0.6,
      })
        .bindTooltip(format(text.cell_count, { count: cell.count }))
        .addTo(layers.heat);
    });
  }

  // --- filters, loading, errors ---------------------------------------------------
  var form = document.getElementById("map-controls");
  var statusLine = document.getElementById("map-status-line");
  var errorLine = document.getElementById("map-error");

  function isOn(name) {
    var box = form.querySelector('input[name="layer"][value="' + name + '"]');
    return Boolean(box && box.checked);
  }
  function filterParams() {
    var params = new URLSearchParams();
    var data = new FormData(form);
    data.forEach(function (value, key) {
      if (key !== "layer" && value !== "") {
        params.append(key, value);
      }
    });
    return params;
  }
  function showError(message) {
    errorLine.hidden = !message;
    errorLine.textContent = message || "";
  }
  function getJson(url, params) {
    var full = url + (params && params.toString() ? "?" + params.toString() : "");
    return fetch(full, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var errors = body && body.errors ? body.errors : {};
            var parts = Object.keys(errors).map(function (field) {
              return field + ": " + errors[field].join(" ");
            });
            throw new Error(parts.join("; ") || text.load_failed);
          }
          return body;
        });
      }
    );
  }

  var markerRequest = 0;
  function loadMarkers() {
    var mine = ++markerRequest;
    return getJson(config.dataUrl, filterParams())
      .then(function (payload) {
        if (mine !== markerRequest) {
          return;
        }
        showError("");
        drawMarkers(payload.rows);
        statusLine.textContent =
          format(text.shown, { count: payload.count }) + (payload.truncated ? " " + text.truncated : "");
        document.getElementById("hazard-map").dataset.markers = String(payload.count);
      })
      .catch(function (error) {
        showError(error.message || text.load_failed);
      });
  }
  var heatRequest = 0;
  function loadHeat() {
    if (!isOn("heat")) {
      return Promise.resolve();
    }
    var mine = ++heatRequest;
    var params = filterParams();
    params.set("zoom", String(map.getZoom()));
    return getJson(config.heatUrl, params)
      .then(function (payload) {
        if (mine !== heatRequest) {
          return;
        }
        heatResolution = payload.resolution;
        drawHeat(payload);
      })
      .catch(function (error) {
        showError(error.message || text.load_failed);
      });
  }

  function syncLayers() {
    ["areas", "markers", "heat"].forEach(function (name) {
      var layer = layers[name];
      if (isOn(name) && !map.hasLayer(layer)) {
        layer.addTo(map);
      } else if (!isOn(name) && map.hasLayer(layer)) {
        map.removeLayer(layer);
      }
    });
    showBuildings();
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "layer") {
      syncLayers();
      if (event.target.value === "heat" && event.target.checked) {
        loadHeat();
      }
      return;
    }
    loadMarkers();
    loadHeat();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  map.on("zoomend", function () {
    showBuildings();
    var wanted = map.getZoom() >= HEAT_FINE_ZOOM ? 9 : 7;
    if (isOn("heat") && wanted !== heatResolution) {
      loadHeat();
    }
  });

  // the collapsible panel: open on a desktop, closed on a phone
  var toggle = document.querySelector(".map-panel-toggle");
  function setPanel(open) {
    form.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () {
    setPanel(form.hidden);
  });
  setPanel(window.matchMedia("(min-width: 900px)").matches);

  // --- start ------------------------------------------------------------------------
  syncLayers();
  var areasReady = getJson(config.areasUrl)
    .then(function (collection) {
      treeLayer.addData(collection);
      buildingLayer.addData(collection);
      var bounds = treeLayer.getBounds();
      if (!bounds.isValid()) {
        bounds = buildingLayer.getBounds();
      }
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [12, 12] });
      }
      document.getElementById("hazard-map").dataset.areas = String(collection.features.length);
    })
    .catch(function (error) {
      showError(error.message || text.load_failed);
    });
  Promise.all([areasReady, loadMarkers()]).then(function () {
    if (!treeLayer.getBounds().isValid() && cluster.getLayers().length) {
      map.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 16 });
    }
    showBuildings();
    document.getElementById("hazard-map").dataset.ready = "1";
  });
})();
