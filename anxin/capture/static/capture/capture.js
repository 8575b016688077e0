/* The phone report page: photos, location on a small map, category by pictures
 * and words, the duplicate prompt, and the offline queue (queue.js).
 *
 * Every submit goes through the queue: stored in IndexedDB first, then sent at
 * once when online; on the "online" event, on page load, every so often while
 * items wait, and by Background Sync in the service worker where supported. */
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var config = readJson("capture-config");
  var text = readJson("capture-text");
  var taxonomy = readJson("capture-taxonomy");
  var outline = readJson("capture-outline");
  var Queue = window.AnxinQueue;
  if (!config || !Queue) {
    return;
  }
  var urls = {
    apiUrl: config.apiUrl,
    submitUrl: config.submitUrl,
    sessionUrl: config.sessionUrl,
  };

  function $(id) {
    return document.getElementById(id);
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") {
        node.textContent = attrs[name];
      } else if (name === "className") {
        node.className = attrs[name];
      } else if (attrs[name] !== null && attrs[name] !== undefined) {
        node.setAttribute(name, attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(child);
      }
    });
    return node;
  }

  function show(node, message) {
    if (!node) {
      return;
    }
    node.textContent = message || "";
    node.hidden = !message;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // --- taxonomy lookups -----------------------------------------------------------------
  var subclassByCode = {};
  var classByCode = {};
  (taxonomy.classes || []).forEach(function (c) {
    classByCode[c.code] = c;
  });
  (taxonomy.subclasses || []).forEach(function (s) {
    subclassByCode[s.code] = s;
  });

  // --- network status ----------------------------------------------------------------------
  var networkStatus = $("network-status");
  function showNetwork() {
    var online = navigator.onLine;
    networkStatus.dataset.online = online ? "true" : "false";
    networkStatus.textContent = online ? "" : networkStatus.dataset.offlineText;
    networkStatus.hidden = online;
  }
  showNetwork();

  // --- photos --------------------------------------------------------------------------------
  var photoInput = $("photo-input");
  var photoErrors = $("photo-errors");
  var previews = $("photo-previews");
  var photos = []; // {file: Blob, name, type, url}

  function photoProblem(file) {
    var name = file.name || "photo";
    var type = (file.type || "").toLowerCase();
    if (!type) {
      var ext = name.split(".").pop().toLowerCase();
      type = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp" }[ext] || "";
    }
    if (config.imageTypes.indexOf(type) < 0) {
      return format(text.photo_bad_type, { name: name });
    }
    if (file.size > config.maxImageBytes) {
      return format(text.photo_too_big, {
        name: name,
        mb: Math.floor(config.maxImageBytes / 1000000),
      });
    }
    return "";
  }

  function renderPreviews() {
    previews.textContent = "";
    photos.forEach(function (photo, index) {
      var remove = el("button", {
        type: "button",
        className: "cap-photo-remove",
        "aria-label": text.photo_remove,
        title: text.photo_remove,
        text: "×",
      });
      remove.addEventListener("click", function () {
        URL.revokeObjectURL(photo.url);
        photos.splice(index, 1);
        renderPreviews();
      });
      previews.appendChild(
        el("li", { className: "cap-preview" }, [el("img", { src: photo.url, alt: photo.name }), remove])
      );
    });
  }

  function addPhotos(files) {
    var problems = [];
    Array.prototype.forEach.call(files, function (file) {
      var problem = photoProblem(file);
      if (problem) {
        problems.push(problem);
        return;
      }
      if (photos.length >= config.maxFiles) {
        problems.push(format(text.photo_too_many, { n: config.maxFiles }));
        return;
      }
      photos.push({ file: file, name: file.name || "photo.jpg", type: file.type, url: URL.createObjectURL(file) });
    });
    show(photoErrors, problems.filter(function (p, i) {
      return problems.indexOf(p) === i;
    }).join(" "));
    renderPreviews();
  }

  photoInput.addEventListener("change", function () {
    addPhotos(photoInput.files || []);
    photoInput.value = "";
  });

  // --- location and map -------------------------------------------------------------------
  var latInput = $("id_lat");
  var lngInput = $("id_lng");
  var locationStatus = $("location-status");
  var locationError = $("location-error");
  var mapEl = $("report-map");
  var map = null;
  var marker = null;
  var movedByHand = false;
  var whereInfo = null; // the server's answer for the current point, when online

  function setStatus(state, message) {
    locationStatus.dataset.state = state;
    locationStatus.textContent = message;
  }

  function currentPoint() {
    var lat = parseFloat(latInput.value);
    var lng = parseFloat(lngInput.value);
    return isNaN(lat) || isNaN(lng) ? null : { lat: lat, lng: lng };
  }

  function initMap() {
    if (!window.L || map) {
      return;
    }
    map = L.map(mapEl, { zoomControl: true, attributionControl: false, minZoom: 3, maxZoom: 19 });
    var layer = L.geoJSON(outline, {
      style: function (feature) {
        var level = feature.properties.level;
        return {
          color: level === "community" ? "#2f9e44" : level === "street" ? "#0b5cad" : "#52606d",
          weight: level === "community" ? 1.5 : 2.5,
          fillOpacity: level === "community" ? 0.05 : 0.02,
          interactive: false,
        };
      },
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds);
    } else {
      map.setView([35.0, 105.0], 4);
    }
    map.on("click", function (event) {
      movedByHand = true;
      placePoint(event.latlng.lat, event.latlng.lng);
      setStatus("manual", text.location_moved);
    });
    window.anxinReportMap = map;
    mapEl.dataset.ready = "true";
  }

  function placePoint(lat, lng, zoom) {
    latInput.value = lat.toFixed(7);
    lngInput.value = lng.toFixed(7);
    if (map) {
      var point = L.latLng(lat, lng);
      if (!marker) {
        marker = L.marker(point, {
          draggable: true,
          autoPan: true,
          keyboard: true,
          icon: L.divIcon({ className: "cap-pin", iconSize: [28, 28], iconAnchor: [14, 28], html: "<span></span>" }),
        }).addTo(map);
        marker.on("dragend", function () {
          var p = marker.getLatLng();
          movedByHand = true;
          placePoint(p.lat, p.lng);
          setStatus("manual", text.location_moved);
        });
      } else {
        marker.setLatLng(point);
      }
      if (zoom) {
        map.setView(point, zoom);
      }
    }
    show(locationError, "");
    checkWhere();
    checkDuplicates();
  }

  function locate() {
    if (!("geolocation" in navigator)) {
      setStatus("failed", text.location_failed);
      return;
    }
    setStatus("locating", text.locating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        if (movedByHand && currentPoint()) {
          return; // the user placed the pin: keep it
        }
        var c = position.coords;
        placePoint(c.latitude, c.longitude, 17);
        setStatus("located", format(text.located, { m: Math.round(c.accuracy || 0) }));
      },
      function (error) {
        if (currentPoint()) {
          return;
        }
        setStatus(
          error && error.code === 1 ? "denied" : "failed",
          error && error.code === 1 ? text.location_denied : text.location_failed
        );
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  }

  $("locate-again").addEventListener("click", function () {
    movedByHand = false;
    locate();
  });

  // Is the point inside the district, and does its locality take anonymous reports?
  var whereSeq = 0;
  function checkWhere() {
    var point = currentPoint();
    whereInfo = null;
    if (!point || !navigator.onLine) {
      showAnonymous();
      return;
    }
    var seq = ++whereSeq;
    fetch(config.whereUrl + "?lat=" + point.lat + "&lng=" + point.lng, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (info) {
        if (seq !== whereSeq || !info) {
          return;
        }
        whereInfo = info;
        if (!info.inside) {
          show(locationError, info.message || text.location_outside);
        } else if (info.place) {
          locationStatus.textContent = locationStatus.textContent.replace(/\s*·.*$/, "") + " · " + info.place;
        }
        showAnonymous();
      })
      .catch(function () {});
  }

  function anonymousRefused() {
    return !config.authenticated && whereInfo && whereInfo.inside && !whereInfo.allow_anonymous_reports;
  }

  function showAnonymous() {
    var status = $("anonymous-status");
    if (config.authenticated || !status) {
      return;
    }
    if (!whereInfo || !whereInfo.inside) {
      return;
    }
    status.textContent = whereInfo.allow_anonymous_reports ? text.anonymous_allowed : text.anonymous_refused;
    status.dataset.allowed = whereInfo.allow_anonymous_reports ? "true" : "false";
  }

  // --- category by pictures and words --------------------------------------------------------
  var categoryInput = $("id_category");
  var search = $("category-search");
  var classTiles = $("class-tiles");
  var subTiles = $("category-tiles");
  var chosen = $("category-chosen");
  var noMatch = $("category-no-match");
  var categoryError = $("category-error");
  var tiles = Array.prototype.slice.call(document.querySelectorAll(".category-tile"));

  function showClasses() {
    classTiles.hidden = false;
    subTiles.hidden = true;
    chosen.hidden = !categoryInput.value;
  }

  function showSubclasses(filter) {
    var shown = 0;
    tiles.forEach(function (tile) {
      var visible = filter(subclassByCode[tile.dataset.code] || {});
      tile.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    noMatch.hidden = shown > 0;
    classTiles.hidden = true;
    subTiles.hidden = false;
    return shown;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".class-tile"), function (tile) {
    tile.addEventListener("click", function () {
      var code = tile.dataset.code;
      search.value = "";
      showSubclasses(function (sub) {
        return sub.parent === code;
      });
    });
  });

  $("category-back").addEventListener("click", function () {
    search.value = "";
    showClasses();
  });

  function matches(sub, words) {
    var parent = classByCode[sub.parent] || {};
    var haystack = (sub.words || "") + " " + (parent.words || "") + " " + (sub.name || "") + " " + (parent.name || "");
    haystack = haystack.toLowerCase();
    return words.every(function (word) {
      return sub.code.indexOf(word) === 0 || haystack.indexOf(word) >= 0;
    });
  }

  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) {
      showClasses();
      return;
    }
    chosen.hidden = true;
    showSubclasses(function (sub) {
      return matches(sub, words);
    });
  });

  function chooseCategory(code) {
    var sub = subclassByCode[code];
    if (!sub) {
      return;
    }
    categoryInput.value = code;
    tiles.forEach(function (tile) {
      tile.setAttribute("aria-pressed", tile.dataset.code === code ? "true" : "false");
    });
    $("category-chosen-name").textContent = sub.name;
    var link = $("category-knowledge");
    link.href = config.knowledgeUrl + "?category=" + encodeURIComponent(code);
    link.dataset.category = code;
    classTiles.hidden = true;
    subTiles.hidden = true;
    chosen.hidden = false;
    show(categoryError, "");
    checkDuplicates();
  }

  tiles.forEach(function (tile) {
    tile.addEventListener("click", function () {
      chooseCategory(tile.dataset.code);
    });
  });

  $("category-change").addEventListener("click", function () {
    search.value = "";
    showClasses();
    chosen.hidden = true;
  });

  function clearCategory() {
    categoryInput.value = "";
    search.value = "";
    chosen.hidden = true;
    showClasses();
    hideDuplicates();
  }

  // --- duplicates: follow instead of reporting again -------------------------------------
  var duplicatePrompt = $("duplicate-prompt");
  var duplicateList = $("duplicate-list");
  var confirmation = $("follow-confirmation");
  var duplicateSeq = 0;

  function hideDuplicates() {
    duplicateSeq++;
    duplicateList.textContent = "";
    duplicatePrompt.hidden = true;
    confirmation.hidden = true;
  }

  function checkDuplicates() {
    var point = currentPoint();
    var code = categoryInput.value;
    hideDuplicates();
    if (!point || !code || !config.authenticated || !navigator.onLine) {
      return;
    }
    var seq = duplicateSeq;
    var query = "?category=" + encodeURIComponent(code) + "&lat=" + point.lat + "&lng=" + point.lng;
    fetch(config.nearbyUrl + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (seq !== duplicateSeq || !data || !data.results || !data.results.length) {
          return;
        }
        data.results.forEach(function (item) {
          var action = item.mine
            ? el("span", { className: "cap-yours", text: text.yours })
            : el("button", {
                type: "button",
                className: "follow-instead m-button secondary",
                "data-hazard": String(item.id),
                text: text.follow,
              });
          if (!item.mine) {
            action.addEventListener("click", function () {
              followInstead(item, action);
            });
          }
          duplicateList.appendChild(
            el("li", { className: "cap-duplicate", "data-hazard": String(item.id) }, [
              el("strong", { text: item.title }),
              el("span", {
                className: "cap-duplicate-facts",
                text: [
                  item.category_name,
                  item.status_label,
                  format(text.metres, { m: item.distance_m }),
                  format(text.reported_on, { date: item.reported_on }),
                ].join(" · "),
              }),
              action,
            ])
          );
        });
        duplicatePrompt.hidden = false;
      })
      .catch(function () {});
  }

  function followInstead(item, button) {
    var point = currentPoint();
    if (!point) {
      return;
    }
    var body = new FormData();
    body.append("hazard", String(item.id));
    body.append("lat", String(point.lat));
    body.append("lng", String(point.lng));
    button.disabled = true;
    fetch(config.followUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        confirmation.textContent = "";
        if (!answer.ok) {
          button.disabled = false;
          confirmation.appendChild(el("p", { className: "cap-error", text: text.follow_failed }));
        } else {
          button.replaceWith(el("span", { className: "cap-yours", text: text.yours }));
          confirmation.appendChild(el("p", { text: answer.data.detail }));
          confirmation.appendChild(
            el("p", {}, [el("a", { className: "follow-link", href: answer.data.url, text: text.open_report })])
          );
        }
        confirmation.hidden = false;
      })
      .catch(function () {
        button.disabled = false;
        confirmation.textContent = text.follow_failed;
        confirmation.hidden = false;
      });
  }

  // --- the queue on the page -----------------------------------------------------------------
  var queueList = $("report-queue");
  var queueEmpty = $("queue-empty");
  var FIELD_LABELS = text.field_labels || {};

  function stateWords(item) {
    if (item.state === "queued") {
      return item.message === "offline" || !navigator.onLine ? text.queued_offline : text.queued;
    }
    return text[item.state] || item.state;
  }

  function messageWords(item) {
    if (!item.message || item.message === "offline") {
      return "";
    }
    return text[item.message] || item.message;
  }

  function renderItem(item) {
    var sub = subclassByCode[(item.fields || {}).category] || {};
    var when = new Date(item.created);
    var fields = item.fields || {};
    // The title the page derived is the Chinese category name: show the name in
    // the reader's language instead; a title the user typed is shown as typed.
    var own = fields.title && fields.title !== sub.name_zh ? fields.title : "";
    var title = el("span", {
      className: "queue-title",
      text: (own || sub.name || fields.title || "") + " · " + when.toLocaleString(),
    });
    var state = el("span", { className: "queue-state", text: stateWords(item) });
    var children = [title, state];
    if (item.state === "sent" && item.result) {
      var code = el("span", { className: "queue-code", text: format(text.code, { code: item.result.code }) });
      children.push(code);
      // The API answers with its own URL; the resident follows the report on /m/reports/<id>/.
      var link =
        item.kind === "api"
          ? item.result.id
            ? config.reportDetailUrl.replace("{id}", item.result.id)
            : ""
          : item.result.url || "";
      if (link) {
        children.push(el("a", { className: "queue-link", href: link, text: text.open_report }));
      }
    }
    var hasErrors = item.state === "failed" && item.errors && Object.keys(item.errors).length > 0;
    var message = messageWords(item);
    if (message && item.state !== "sent" && !hasErrors) {
      children.push(el("p", { className: "queue-message", text: message }));
    }
    if (hasErrors) {
      // The server's own words, field by field (no nested list items: the
      // queue's <li> are the reports).
      var list = el("div", { className: "queue-errors", role: "alert" });
      Object.keys(item.errors).forEach(function (field) {
        var messages = item.errors[field];
        (Array.isArray(messages) ? messages : [messages]).forEach(function (m) {
          var label = FIELD_LABELS[field];
          list.appendChild(el("p", { "data-field": field, text: label ? label + ": " + m : String(m) }));
        });
      });
      children.push(list);
    }
    if (item.state === "failed" || item.state === "queued") {
      var actions = el("p", { className: "queue-actions" });
      if (item.state === "failed") {
        var retry = el("button", { type: "button", className: "queue-retry", text: text.retry });
        retry.addEventListener("click", function () {
          retryItem(item.key);
        });
        var edit = el("button", { type: "button", className: "queue-edit", text: text.edit });
        edit.addEventListener("click", function () {
          editItem(item.key);
        });
        actions.appendChild(retry);
        actions.appendChild(edit);
      }
      var del = el("button", { type: "button", className: "queue-delete", text: text["delete"] });
      del.addEventListener("click", function () {
        if (window.confirm(text.delete_confirm)) {
          Queue.remove(item.key).then(render);
        }
      });
      actions.appendChild(del);
      children.push(actions);
    }
    if (item.photos && item.photos.length) {
      children.push(el("span", { className: "queue-photos", text: format(text.photos, { n: item.photos.length }) }));
    }
    return el("li", { "data-key": item.key, "data-state": item.state, className: "queue-item" }, children);
  }

  function mine(items) {
    return items.filter(function (item) {
      return item.owner === config.owner;
    });
  }

  function render() {
    return Queue.all().then(function (items) {
      items = mine(items).reverse(); // newest first
      queueList.textContent = "";
      items.forEach(function (item) {
        queueList.appendChild(renderItem(item));
      });
      queueEmpty.hidden = items.length > 0;
      return items;
    });
  }

  var renderTimer = null;
  function renderSoon() {
    if (!renderTimer) {
      renderTimer = setTimeout(function () {
        renderTimer = null;
        render();
      }, 30);
    }
  }

  function syncNow() {
    return Queue.syncAll(urls, renderSoon).then(function (changed) {
      return render().then(function () {
        return changed;
      });
    });
  }

  function retryItem(key) {
    return Queue.update(key, function (item) {
      item.state = "queued";
      item.message = "";
      item.errors = null;
      return item;
    })
      .then(render)
      .then(syncNow);
  }

  function editItem(key) {
    return Queue.get(key).then(function (item) {
      if (!item) {
        return null;
      }
      var fields = item.fields || {};
      if (fields.category) {
        chooseCategory(fields.category);
      }
      $("id_description").value = fields.description || "";
      $("id_title").value = fields.title && fields.title !== (subclassByCode[fields.category] || {}).name_zh ? fields.title : "";
      ["name", "phone"].forEach(function (name) {
        var input = $("id_" + name);
        if (input) {
          input.value = fields[name] || "";
        }
      });
      photos.forEach(function (photo) {
        URL.revokeObjectURL(photo.url);
      });
      photos = (item.photos || []).map(function (p) {
        return { file: p.blob, name: p.name, type: p.type, url: URL.createObjectURL(p.blob) };
      });
      renderPreviews();
      if (fields.lat && fields.lng) {
        movedByHand = true;
        placePoint(parseFloat(fields.lat), parseFloat(fields.lng), 17);
        setStatus("manual", text.location_moved);
      }
      var errors = item.errors || {};
      show(photoErrors, (errors.attachments || []).join(" "));
      show(categoryError, (errors.category || []).join(" "));
      show(locationError, (errors.location || errors.lat || errors.lng || []).join(" "));
      return Queue.remove(key).then(render).then(function () {
        $("report-form").scrollIntoView();
      });
    });
  }

  // --- submit: store first, then send ------------------------------------------------------
  var form = $("report-form");
  var formErrors = $("form-errors");
  var submitStatus = $("submit-status");

  function registerBackgroundSync() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.ready
      .then(function (registration) {
        if (registration.sync && registration.sync.register) {
          return registration.sync.register(config.syncTag);
        }
        return null;
      })
      .catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var problems = [];
    var point = currentPoint();
    var code = categoryInput.value;
    show(categoryError, code ? "" : text.choose_category);
    show(locationError, point ? (whereInfo && !whereInfo.inside ? whereInfo.message : "") : text.choose_location);
    if (!code) {
      problems.push(text.choose_category);
    }
    if (!point) {
      problems.push(text.choose_location);
    } else if (whereInfo && !whereInfo.inside) {
      problems.push(whereInfo.message || text.location_outside);
    }
    if (anonymousRefused()) {
      problems.push(text.anonymous_refused);
    }
    show(formErrors, problems.join(" "));
    if (problems.length) {
      return;
    }
    var sub = subclassByCode[code];
    var title = ($("id_title").value || "").trim() || sub.name_zh || sub.name;
    var fields = {
      category: code,
      lat: point.lat.toFixed(7),
      lng: point.lng.toFixed(7),
      description: ($("id_description").value || "").trim(),
      title: title.slice(0, 120),
    };
    if (config.authenticated) {
      if (config.source) {
        fields.source = config.source;
      }
    } else {
      fields.name = (($("id_name") || {}).value || "").trim();
      fields.phone = (($("id_phone") || {}).value || "").trim();
    }
    var item = {
      key: Queue.newKey(),
      owner: config.owner,
      kind: config.authenticated ? "api" : "anonymous",
      state: "queued",
      created: Date.now(),
      attempts: 0,
      fields: fields,
      photos: photos.map(function (p) {
        var blob = p.file.slice(0, p.file.size, p.type || p.file.type);
        return { name: p.name, type: p.type, blob: blob };
      }),
      message: navigator.onLine ? "" : "offline",
    };
    var submit = $("report-submit");
    submit.disabled = true;
    Queue.put(item)
      .then(function () {
        photos.forEach(function (photo) {
          URL.revokeObjectURL(photo.url);
        });
        photos = [];
        renderPreviews();
        $("id_description").value = "";
        $("id_title").value = "";
        clearCategory();
        confirmation.hidden = true;
        submitStatus.textContent = navigator.onLine ? text.saved : text.saved_offline;
        return render();
      })
      .then(function () {
        submit.disabled = false;
        registerBackgroundSync();
        if (navigator.onLine) {
          return syncNow();
        }
        return null;
      })
      .catch(function (error) {
        submit.disabled = false;
        show(formErrors, text.unknown_error + " " + (error && error.message ? error.message : ""));
      });
  });

  // --- when to send ---------------------------------------------------------------------------
  window.addEventListener("online", function () {
    showNetwork();
    checkWhere();
    syncNow();
  });
  window.addEventListener("offline", function () {
    showNetwork();
    render();
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "anxin-capture-changed") {
        render();
      }
    });
  }
  // While items wait, look again every so often (a flaky connection fires no event).
  setInterval(function () {
    if (!navigator.onLine) {
      return;
    }
    Queue.all().then(function (items) {
      var waiting = mine(items).some(function (item) {
        return item.state === "queued" || item.state === "sending";
      });
      if (waiting) {
        syncNow();
      }
    });
  }, 20000);

  window.anxinCapture = {
    syncNow: syncNow,
    render: render,
    requeueAll: function () {
      return Queue.all()
        .then(function (items) {
          return Promise.all(
            mine(items).map(function (item) {
              return Queue.update(item.key, function (stored) {
                stored.state = "queued";
                stored.message = "";
                return stored;
              });
            })
          );
        })
        .then(render);
    },
  };

  initMap();
  showClasses();
  Queue.prune()
    .catch(function () {})
    .then(render)
    .then(function () {
      if (navigator.onLine) {
        return syncNow();
      }
      return null;
    });
  locate();
})();
