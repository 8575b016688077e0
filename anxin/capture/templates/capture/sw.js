/* Anxin phone app service worker (served by Django at /m/sw.js, scope /m/).
 *
 * - install: precache the app shell (the report page, its CSS/JS, Leaflet, icons)
 *   into a cache named after the content version;
 * - /m/ pages: network first, the cache as fallback (the report page when offline);
 * - /static/: cache first;
 * - never caches POSTs, /api/ or the /m/ JSON helpers;
 * - Background Sync: sends the offline report queue (queue.js) without a page. */
"use strict";

var CONFIG = {{ config_json|safe }};
var CACHE = CONFIG.cachePrefix + CONFIG.version;
var NETWORK_TIMEOUT_MS = 8000;
// Pages vary on Cookie and Accept-Language; on this phone the cached copy is the one to use.
var MATCH = { ignoreVary: true };

importScripts(CONFIG.queueScript);

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      var statics = CONFIG.precache.map(function (url) {
        return new Request(url, { cache: "reload" });
      });
      return cache.addAll(statics).then(function () {
        // The page may need a login elsewhere; a failure here must not stop the install.
        return fetch(new Request(CONFIG.shellUrl, { cache: "reload", credentials: "same-origin" }))
          .then(function (response) {
            if (response.ok && !response.redirected) {
              return cache.put(CONFIG.shellUrl, response);
            }
            return null;
          })
          .catch(function () {});
      });
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(CONFIG.cachePrefix) === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function timeout(ms) {
  return new Promise(function (_resolve, reject) {
    setTimeout(function () {
      reject(new Error("timeout"));
    }, ms);
  });
}

function networkFirst(request, isNavigation) {
  var network = fetch(request).then(function (response) {
    if (cacheable(response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) {
        cache.put(request, copy);
      });
    }
    return response;
  });
  return Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]).catch(function () {
    return caches.match(request, MATCH).then(function (hit) {
      if (hit) {
        return hit;
      }
      if (isNavigation) {
        return caches.match(CONFIG.shellUrl, MATCH).then(function (shell) {
          return shell || network;
        });
      }
      return network;
    });
  });
}

function cacheFirst(request) {
  return caches.match(request, MATCH).then(function (hit) {
    if (hit) {
      return hit;
    }
    return fetch(request).then(function (response) {
      if (cacheable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          cache.put(request, copy);
        });
      }
      return response;
    });
  });
}

// The first page shown signed out after a logout: drop every /m/ page kept for
// whoever used this phone before (their reports, their name, the report page
// with their queue); the static files stay.
self.addEventListener("message", function (event) {
  if (!event.data || event.data.type !== "forget-pages") {
    return;
  }
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(
          requests
            .filter(function (request) {
              var path = new URL(request.url).pathname;
              return path.indexOf(CONFIG.scope) === 0;
            })
            .map(function (request) {
              return cache.delete(request);
            })
        );
      });
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return; // POSTs go to the network, untouched and never cached
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (url.pathname.indexOf(CONFIG.staticUrl) === 0) {
    event.respondWith(cacheFirst(request));
    return;
  }
  if (url.pathname.indexOf(CONFIG.scope) !== 0 || url.pathname === CONFIG.swUrl) {
    return;
  }
  var accept = request.headers.get("Accept") || "";
  var isNavigation = request.mode === "navigate";
  if (isNavigation || accept.indexOf("text/html") >= 0) {
    event.respondWith(networkFirst(request, isNavigation));
  }
  // Anything else under /m/ (the JSON helpers, the manifest) goes to the network.
});

function tellPages() {
  return self.clients.matchAll({ includeUncontrolled: true, type: "window" }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage({ type: "anxin-capture-changed" });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== CONFIG.syncTag) {
    return;
  }
  var urls = { apiUrl: CONFIG.apiUrl, submitUrl: CONFIG.submitUrl, sessionUrl: CONFIG.sessionUrl };
  event.waitUntil(
    self.AnxinQueue.syncAll(urls, null)
      .then(tellPages)
      .then(function () {
        return self.AnxinQueue.all();
      })
      .then(function (items) {
        var waiting = items.some(function (item) {
          return item.state === "queued";
        });
        if (waiting) {
          throw new Error("reports still waiting"); // the browser tries again later
        }
      })
  );
});
