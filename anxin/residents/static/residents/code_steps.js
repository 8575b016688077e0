// Pages of two steps (sign-up, a new password): the "send me a code" button works
// through HTMX when it is there (and as a plain form submit without JS). Once a
// code is sent, the second step ([data-code-step]) appears.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var send = document.getElementById("send-code");
    var step2 = document.querySelector("[data-code-step]");
    var sent = document.getElementById("id_code_sent");
    if (!send || !window.htmx) return;
    // HTMX handles the click; as a plain button it can never submit the form.
    send.type = "button";
    document.body.addEventListener("anxin-code-sent", function () {
      if (sent) sent.value = "1";
      if (step2) {
        step2.hidden = false;
        var code = document.getElementById("id_code");
        if (code) code.focus();
      }
    });
  });
})();
