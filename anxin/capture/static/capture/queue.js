/* The offline report queue, shared by the report page and the service worker.
 *
 * Every report is first written to IndexedDB (photos as Blobs) under a key made
 * on the phone, then sent as multipart with "Idempotency-Key: <key>": a report
 * sent twice (a retry, a replay, the page and Background Sync at once) is filed
 * once by the server. States: queued -> sending -> sent | failed (400 and other
 * refusals: the server's messages are kept on the item) | queued (no network,
 * 5xx: tried again later).
 */
(function (root) {
  "use strict";

  var DB_NAME = "anxin-capture";
  var DB_VERSION = 1;
  var STORE = "reports";
  // An item left "sending" this long (a closed tab, a killed worker) is sent again.
  var STALE_SENDING_MS = 60 * 1000;
  var SEND_TIMEOUT_MS = 60 * 1000;

  var dbPromise = null;

  function openDb() {
    if (dbPromise) {
      return dbPromise;
    }
    dbPromise = new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) {
          var store = db.createObjectStore(STORE, { keyPath: "key" });
          store.createIndex("owner", "owner", { unique: false });
        }
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () {
          db.close();
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = function () {
        dbPromise = null;
        reject(request.error);
      };
    });
    return dbPromise;
  }

  // Run fn(store) in one transaction; resolves with fn's result once committed.
  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        tx.oncomplete = function () {
          resolve(result);
        };
        tx.onerror = function () {
          reject(tx.error);
        };
        tx.onabort = function () {
          reject(tx.error);
        };
        result = fn(tx.objectStore(STORE), function (value) {
          result = value;
        });
      });
    });
  }

  function all() {
    return withStore("readonly", function (store, set) {
      var request = store.getAll();
      request.onsuccess = function () {
        var items = request.result || [];
        items.sort(function (a, b) {
          return a.created - b.created;
        });
        set(items);
      };
    });
  }

  function get(key) {
    return withStore("readonly", function (store, set) {
      var request = store.get(key);
      request.onsuccess = function () {
        set(request.result || null);
      };
    });
  }

  function put(item) {
    item.updated = Date.now();
    return withStore("readwrite", function (store) {
      store.put(item);
      return item;
    });
  }

  function remove(key) {
    return withStore("readwrite", function (store) {
      store.delete(key);
      return key;
    });
  }

  // Change an item in one transaction: change(item) returns the new item, or
  // null to leave it. Resolves with the stored item or null.
  function update(key, change) {
    return withStore("readwrite", function (store, set) {
      var request = store.get(key);
      request.onsuccess = function () {
        var item = request.result;
        var changed = item ? change(item) : null;
        if (changed) {
          changed.updated = Date.now();
          store.put(changed);
        }
        set(changed || null);
      };
    });
  }

  function isDue(item, now) {
    if (item.state === "queued") {
      return true;
    }
    return item.state === "sending" && now - (item.updated || 0) > STALE_SENDING_MS;
  }

  // Take an item for sending: only one sender (page or worker) wins.
  function claim(key) {
    return update(key, function (item) {
      if (!isDue(item, Date.now())) {
        return null;
      }
      item.state = "sending";
      item.attempts = (item.attempts || 0) + 1;
      return item;
    });
  }

  function newKey() {
    var c = root.crypto;
    if (c && typeof c.randomUUID === "function") {
      return c.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // The session the items are sent with: a fresh CSRF token and the owner.
  function session(urls) {
    return fetch(urls.sessionUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("session " + response.status);
      }
      return response.json();
    });
  }

  function formData(item) {
    var data = new FormData();
    var fields = item.fields || {};
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      if (value !== undefined && value !== null && value !== "") {
        data.append(name, String(value));
      }
    });
    (item.photos || []).forEach(function (photo) {
      data.append("attachments", photo.blob, photo.name || "photo.jpg");
    });
    return data;
  }

  function withTimeout(promise, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error("timeout"));
      }, ms);
      promise.then(
        function (value) {
          clearTimeout(timer);
          resolve(value);
        },
        function (error) {
          clearTimeout(timer);
          reject(error);
        }
      );
    });
  }

  function readJson(response) {
    return response.text().then(function (text) {
      try {
        return JSON.parse(text);
      } catch (e) {
        return null;
      }
    });
  }

  // Send one item; resolves with the changes to make to it (never rejects).
  function send(item, token, urls) {
    var url = item.kind === "anonymous" ? urls.submitUrl : urls.apiUrl;
    var request = fetch(url, {
      method: "POST",
      body: formData(item),
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": token,
        "Idempotency-Key": item.key,
      },
    });
    return withTimeout(request, SEND_TIMEOUT_MS).then(
      function (response) {
        return readJson(response).then(function (body) {
          var status = response.status;
          if (status === 200 || status === 201) {
            return {
              state: "sent",
              result: { id: body && body.id, code: (body && body.code) || "", url: (body && body.url) || "" },
              errors: null,
              message: "",
              status: status,
            };
          }
          if (status >= 500 || status === 429 || status === 408) {
            return { state: "queued", message: "server_busy", status: status };
          }
          var errors = body && body.errors && typeof body.errors === "object" ? body.errors : null;
          var detail = body && typeof body.detail === "string" ? body.detail : "";
          if (status === 401 || status === 403) {
            return {
              state: "failed",
              errors: errors,
              message: detail || "login_needed",
              code: (body && body.code) || "forbidden",
              status: status,
            };
          }
          return { state: "failed", errors: errors, message: detail, status: status };
        });
      },
      function () {
        return { state: "queued", message: "offline", status: 0 };
      }
    );
  }

  var running = null;
  var again = false;

  function sendDue(urls, current, onChange) {
    return all().then(function (items) {
      var now = Date.now();
      var due = items.filter(function (item) {
        return item.owner === current.owner && isDue(item, now);
      });
      var changed = 0;
      var chain = Promise.resolve();
      due.forEach(function (candidate) {
        chain = chain.then(function () {
          return claim(candidate.key).then(function (item) {
            if (!item) {
              return null; // another sender (the page or the worker) has it
            }
            if (onChange) {
              onChange(item);
            }
            return send(item, current.token, urls).then(function (outcome) {
              return update(item.key, function (stored) {
                stored.state = outcome.state;
                stored.message = outcome.message || "";
                stored.status = outcome.status;
                if (outcome.state === "sent") {
                  stored.result = outcome.result;
                  stored.errors = null;
                  stored.sentAt = Date.now();
                } else if (outcome.state === "failed") {
                  stored.errors = outcome.errors || null;
                  stored.code = outcome.code || "";
                }
                return stored;
              }).then(function (stored) {
                changed += 1;
                if (onChange && stored) {
                  onChange(stored);
                }
                return null;
              });
            });
          });
        });
      });
      return chain.then(function () {
        return changed;
      });
    });
  }

  // Send every due item of the session's owner, one after another. Resolves with
  // the number of items whose state changed. A call during a run makes the run
  // look once more when it ends (for an item queued meanwhile).
  function syncAll(urls, onChange) {
    if (running) {
      again = true;
      return running;
    }
    again = false;
    running = session(urls)
      .then(
        function (current) {
          return sendDue(urls, current, onChange);
        },
        function () {
          return 0; // offline, or the server is away: nothing is sent, nothing lost
        }
      )
      .then(
        function (changed) {
          running = null;
          if (again) {
            return syncAll(urls, onChange).then(function (more) {
              return changed + more;
            });
          }
          return changed;
        },
        function (error) {
          running = null;
          throw error;
        }
      );
    return running;
  }

  // Sent items are kept a week (their code and link), then dropped with their photos.
  var KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

  function prune() {
    return all().then(function (items) {
      var now = Date.now();
      var old = items.filter(function (item) {
        return item.state === "sent" && now - (item.sentAt || item.updated || now) > KEEP_SENT_MS;
      });
      return Promise.all(
        old.map(function (item) {
          return remove(item.key);
        })
      );
    });
  }

  root.AnxinQueue = {
    openDb: openDb,
    all: all,
    get: get,
    put: put,
    remove: remove,
    update: update,
    claim: claim,
    newKey: newKey,
    send: send,
    syncAll: syncAll,
    prune: prune,
  };
})(self);
