/*
 * Quick exit: "Leave this site", or Escape pressed twice, replaces the page
 * with a neutral site (GOV.UK's "Exit this page" is the model).
 *
 * Without script the control is a plain link and still leaves. With script
 * the page is blanked first, so nothing stays on screen while the neutral
 * site loads, and the page is replaced rather than left: the back button
 * does not return to it. Pages of this site opened earlier in the same tab
 * stay in that tab's history; no browser lets a page remove those.
 */
(function () {
  "use strict";

  var control = document.querySelector("[data-quick-exit]");
  var link = control && control.querySelector("[data-quick-exit-link]");
  if (!link) {
    return;
  }

  // Two presses of Escape, each within this long of the last, leave.
  var PRESSES = 2;
  var WITHIN_MS = 3000;
  var presses = 0;
  var timer = null;

  // Announces "press once more"; a live region, not a second role="status" on the page.
  var status = document.createElement("span");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  status.setAttribute("data-quick-exit-status", "");
  control.appendChild(status);

  var hint = control.querySelector("[data-quick-exit-hint]");
  if (hint) {
    hint.hidden = false;
  }

  function leave() {
    document.title = "Loading";
    document.body.hidden = true;
    document.body.replaceChildren();
    window.location.replace(link.href);
  }

  function reset() {
    presses = 0;
    status.textContent = "";
    if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
  }

  link.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });

  document.addEventListener("keydown", function (event) {
    var plainEscape =
      event.key === "Escape" && !event.repeat &&
      !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (!plainEscape) {
      reset();
      return;
    }
    presses += 1;
    if (presses >= PRESSES) {
      reset();
      leave();
      return;
    }
    status.textContent = "Press Escape once more to leave this site.";
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(reset, WITHIN_MS);
  });
})();
