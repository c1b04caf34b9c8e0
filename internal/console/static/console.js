// botgate console: the little the pages need beyond htmx.
// Times arrive in UTC (<time datetime title="… UTC">); show them in the
// viewer's time zone, keeping UTC on hover. Pages read fine without this.
(function () {
  "use strict";
  // sv-SE writes dates as YYYY-MM-DD hh:mm:ss, unambiguous everywhere.
  var fmt = new Intl.DateTimeFormat("sv-SE", {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
  });
  function localize(root) {
    var times = (root || document).querySelectorAll("time[datetime]:not([data-local])");
    for (var i = 0; i < times.length; i++) {
      var d = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(d)) {
        times[i].textContent = fmt.format(d);
        times[i].setAttribute("data-local", "");
      }
    }
  }
  // Buttons that need a confirmation carry data-confirm="question".
  document.addEventListener("submit", function (e) {
    var q = e.submitter && e.submitter.getAttribute("data-confirm");
    if (q && !window.confirm(q)) { e.preventDefault(); }
  });
  // A "copy" button next to a shown-once secret: data-copy="element id".
  document.addEventListener("click", function (e) {
    var id = e.target.getAttribute && e.target.getAttribute("data-copy");
    if (id && navigator.clipboard) {
      navigator.clipboard.writeText(document.getElementById(id).textContent);
      e.target.textContent = "Copied";
    }
  });
  document.addEventListener("DOMContentLoaded", function () { localize(document); });
  document.addEventListener("htmx:afterSwap", function (e) { localize(e.target); });
})();
