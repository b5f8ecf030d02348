/* errors.js - records every script error of the page in #sf-errors (data-errors),
 * shown as a banner; the browser test asserts it stays empty. */
(function () {
  'use strict';
  var box = document.getElementById('sf-errors');
  function record(msg) {
    var cur = box.getAttribute('data-errors');
    var all = (cur ? cur + ' | ' : '') + String(msg).slice(0, 500);
    box.setAttribute('data-errors', all);
    box.textContent = 'report error: ' + all;
    box.hidden = false;
  }
  window.addEventListener('error', function (e) {
    record('error: ' + (e.message || e.type) + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
  });
  window.addEventListener('unhandledrejection', function (e) {
    record('unhandled rejection: ' + e.reason);
  });
  var orig = console.error;
  console.error = function () {
    record('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
  window.sfRecordError = record;
})();
