// Subscribe forms: the digest goes out at a local hour, so the form sends the browser's time zone
// (without this script the server assumes UTC, and the manage page lets it be changed).
(function () {
  'use strict';
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll('input[data-time-zone]').forEach(function (input) {
    if (input.value === 'UTC') input.value = zone;
  });
  document.querySelectorAll('select[data-time-zone]').forEach(function (select) {
    if (select.value === 'UTC' && select.querySelector('option[value="' + zone.replace(/"/g, '') + '"]')) select.value = zone;
  });
})();
