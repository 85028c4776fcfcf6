// Fairtrail console: progressive enhancement only (every page works without it).
// After the idle timeout the server has ended the session; go to the sign-in page so that
// case text does not stay on an unattended screen.
(function () {
  "use strict";
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  var loginUrl = body.getAttribute("data-login-url");
  if (timeout > 0 && loginUrl) {
    window.setTimeout(function () { window.location.assign(loginUrl); }, (timeout + 5) * 1000);
  }
})();
