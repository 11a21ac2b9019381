// The pages' scripts, served as a file: a Content-Security-Policy without 'unsafe-inline' runs
// no inline <script> and no on…="" attribute. Every page works without them; they only save a
// page load or a step. Loaded with defer, so the whole page is there when this runs.
(function () {
  'use strict';

  // Forms with data-confirm ask in place; the server asks on its own page when this does not run.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (!question || (form.elements.confirm && form.elements.confirm.value === 'yes')) return;
    if (!window.confirm(question)) { event.preventDefault(); return; }
    var confirmed = document.createElement('input');
    confirmed.type = 'hidden'; confirmed.name = 'confirm'; confirmed.value = 'yes';
    form.appendChild(confirmed);
  });

  // A copy button appears only where the browser can copy; the text stays selectable without it.
  if (navigator.clipboard) {
    Array.prototype.forEach.call(document.querySelectorAll('button[data-copy]'), function (button) {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      button.hidden = false;
      button.addEventListener('click', function () {
        navigator.clipboard.writeText(source.textContent).then(function () { button.textContent = button.getAttribute('data-copied'); });
      });
    });
  }

  // A sync run or a bulk check in progress is followed in place; the page reloads once it is
  // over. Without JavaScript the page refreshes itself (<noscript> meta refresh).
  ['sync-progress', 'bulk-progress'].forEach(function (id) {
    var progress = document.getElementById(id);
    if (!progress || progress.getAttribute('data-running') !== 'true') return;
    var timer = setInterval(function () {
      fetch(location.pathname, { headers: { accept: 'text/html' }, credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById(id);
        if (!next || next.getAttribute('data-running') !== 'true') { clearInterval(timer); location.replace(location.pathname); return; }
        progress.innerHTML = next.innerHTML;
      });
    }, 1500);
  });
})();
