// An attempt's timer and autosave. The form works without this file: the server
// keeps the deadline and grades what was saved by it.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) return;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var saveStatus = form.querySelector(".quiz-save-status");

  function answers() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "action") return;
      if (name in data) {
        data[name] = [].concat(data[name], value);
      } else {
        data[name] = form.querySelectorAll('[name="' + name + '"][type=checkbox]').length ? [value] : value;
      }
    });
    return data;
  }

  var dirty = false;
  function save() {
    if (!dirty) return;
    dirty = false;
    fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(answers())
    }).then(function (response) {
      if (response.ok) {
        saveStatus.textContent = "Answers saved.";
      } else if (response.status === 409) {
        saveStatus.textContent = "This attempt is closed.";
      } else {
        dirty = true;
      }
    }).catch(function () { dirty = true; });
  }
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("input", function () { dirty = true; });
  setInterval(save, 15000);
  // Leaving the page (a link, a closed tab) saves what changed since the last
  // save; keepalive lets the request outlive the page. Submitting needs none.
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("pagehide", function () {
    if (!dirty || submitting) return;
    dirty = false;
    fetch(form.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(answers())
    });
  });

  // The timer shows minutes and seconds; a screen reader hears only the 5 and 1
  // minute marks (role=timer is not announced; the status region is, once each).
  var timer = document.querySelector(".quiz-timer");
  if (!timer) return;
  var announce = document.getElementById("quiz-timer-announce");
  var end = Date.now() + Number(timer.dataset.secondsLeft) * 1000;
  var marks = { 300: "5 minutes left.", 60: "1 minute left." };
  var submitted = false;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    timer.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
    Object.keys(marks).forEach(function (mark) {
      if (left <= Number(mark) && marks[mark]) {
        if (left > Number(mark) - 5) announce.textContent = marks[mark];
        marks[mark] = null;
      }
    });
    if (left === 0 && !submitted) {
      submitted = true;
      announce.textContent = "Time is up: your answers are being submitted.";
      var button = form.querySelector('button[value="submit"]');
      if (form.requestSubmit) form.requestSubmit(button); else form.submit();
    }
  }
  tick();
  setInterval(tick, 1000);
})();
