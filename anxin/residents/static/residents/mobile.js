// The phone app's shared script: registers the service worker (offline capture).
(function () {
  "use strict";
  var url = document.body && document.body.dataset.swUrl;
  if (url && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(url, { scope: "/m/" }).catch(function () {});
  }
})();
