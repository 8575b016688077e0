// The phone app's shared script: registers the service worker (offline capture)
// and, on the first page shown signed out after someone was signed in on this
// phone (a shared phone after logout), asks it to forget the pages it kept for
// them: their reports, their name, the report page with their queue.
(function () {
  "use strict";
  var body = document.body;
  var url = body && body.dataset.swUrl;
  var MARK = "anxin-signed-in";
  if (!url || !("serviceWorker" in navigator)) {
    return;
  }
  navigator.serviceWorker.register(url, { scope: "/m/" }).catch(function () {});
  var store = null;
  try {
    store = window.localStorage;
  } catch (e) {
    store = null;
  }
  if (!store) {
    return;
  }
  if (body.dataset.signedIn === "1") {
    store.setItem(MARK, "1");
    return;
  }
  if (store.getItem(MARK) !== "1") {
    return;
  }
  navigator.serviceWorker.ready
    .then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "forget-pages" });
        store.removeItem(MARK);
      }
    })
    .catch(function () {});
})();
