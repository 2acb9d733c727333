// The unread count beside "Inbox" in the header (served as a file: the pages' CSP has no
// 'unsafe-inline' for scripts).
(function () {
  var badge = document.getElementById("unread-count");
  if (!badge) { return; }
  fetch(badge.dataset.url, {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (body) { badge.textContent = body ? body.unread : "–"; })
    .catch(function () { badge.textContent = "–"; });
})();
