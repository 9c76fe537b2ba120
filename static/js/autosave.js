// Autosave for survey forms: a few seconds after the last change the form is sent in the
// background; the version it returns goes back into the form, so the next save is checked against
// it. When someone else saved first the server refuses and says so; nothing typed is lost.
(function () {
  "use strict";
  document.querySelectorAll("form.survey-form[data-autosave=true]").forEach(function (form) {
    var status = form.querySelector(".autosave-status");
    var timer = null;
    function say(text) { if (status) { status.textContent = text; } }
    function save() {
      var data = new FormData(form);
      fetch(window.location.href, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-Autosave": "1", "X-Requested-With": "fetch"},
      }).then(function (reply) {
        return reply.json().then(function (body) { return {ok: reply.ok, body: body}; });
      }).then(function (result) {
        if (result.ok) {
          form.querySelector("input[name=version]").value = result.body.version;
          say(form.dataset.savedText || "Saved");
        } else {
          say(result.body.message || form.dataset.problemText || "Not saved: check the form and press Save.");
        }
      }).catch(function () { say(form.dataset.offlineText || "Not saved: no connection. Press Save later."); });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      say("…");
      timer = setTimeout(save, 2000);
    });
  });
})();
