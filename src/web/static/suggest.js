// Suggestions as you type in the header's search box: titles and authors from /api/v1/suggest, in a
// listbox under the box (the ARIA combobox pattern: arrow keys move, Enter opens, Escape closes).
// Progressive enhancement: without this script the box is a plain search form, and Enter without a
// chosen suggestion still submits it. The list is built with textContent only, never markup.
(function () {
  'use strict';

  var DELAY_MS = 120;
  var MIN_CHARS = 2;
  var MAX_CHARS = 100;

  var input = document.getElementById('site-q');
  if (!input || !input.form || typeof window.fetch !== 'function') return;
  var form = input.form;

  var list = document.createElement('ul');
  list.id = 'site-q-suggestions';
  list.className = 'suggestions';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggestions');
  list.hidden = true;
  form.appendChild(list);

  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');

  var timer = 0;
  var controller = null;
  var items = [];
  var active = -1;

  function close() {
    list.hidden = true;
    while (list.firstChild) list.removeChild(list.firstChild);
    items = [];
    active = -1;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  function span(className, text) {
    var el = document.createElement('span');
    el.className = className;
    el.textContent = text;
    return el;
  }

  function render(suggestions) {
    close();
    items = suggestions.filter(function (s) {
      return s && typeof s.text === 'string' && typeof s.url === 'string' && s.url.charAt(0) === '/' && s.url.charAt(1) !== '/';
    });
    if (items.length === 0) return;
    items.forEach(function (s, i) {
      var li = document.createElement('li');
      li.id = 'site-q-option-' + i;
      li.className = 'suggestion suggestion-' + (s.kind === 'author' ? 'author' : 'paper');
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.appendChild(span('suggestion-kind', s.kind === 'author' ? 'Author' : 'Paper'));
      li.appendChild(span('suggestion-text', s.text));
      if (s.kind === 'author' && typeof s.papers === 'number') {
        li.appendChild(span('suggestion-count', s.papers + (s.papers === 1 ? ' paper' : ' papers')));
      }
      // mousedown, not click: the box keeps focus, so its blur does not close the list first.
      li.addEventListener('mousedown', function (event) {
        event.preventDefault();
        open(i);
      });
      li.addEventListener('mousemove', function () {
        if (active !== i) highlight(i);
      });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function highlight(i) {
    var options = list.children;
    for (var j = 0; j < options.length; j++) options[j].setAttribute('aria-selected', j === i ? 'true' : 'false');
    active = i;
    if (i >= 0 && options[i]) {
      input.setAttribute('aria-activedescendant', options[i].id);
      if (options[i].scrollIntoView) options[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function open(i) {
    var s = items[i];
    if (s) window.location.assign(s.url);
  }

  function load(q) {
    if (controller) controller.abort();
    var mine = (controller = typeof AbortController === 'function' ? new AbortController() : null);
    fetch('/api/v1/suggest?q=' + encodeURIComponent(q), { headers: { accept: 'application/json' }, signal: mine ? mine.signal : undefined })
      .then(function (res) {
        return res.ok ? res.json() : { suggestions: [] };
      })
      .then(function (body) {
        // A newer keystroke, or focus gone elsewhere, makes this answer stale.
        if (mine !== controller || input.value.trim() !== q || document.activeElement !== input) return;
        render(body && Array.isArray(body.suggestions) ? body.suggestions : []);
      })
      .catch(function (err) {
        if (!err || err.name !== 'AbortError') close();
      });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < MIN_CHARS || q.length > MAX_CHARS) {
      if (controller) controller.abort();
      controller = null;
      close();
      return;
    }
    timer = setTimeout(function () {
      load(q);
    }, DELAY_MS);
  });

  input.addEventListener('keydown', function (event) {
    var open_ = !list.hidden && items.length > 0;
    switch (event.key) {
      case 'ArrowDown':
        if (!open_) return;
        event.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
        break;
      case 'ArrowUp':
        if (!open_) return;
        event.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
        break;
      case 'Enter':
        if (open_ && active >= 0) {
          event.preventDefault();
          open(active);
        }
        break;
      case 'Escape':
        if (open_) {
          event.preventDefault(); // a search box would clear itself; the first Escape only closes the list
          close();
        }
        break;
    }
  });

  input.addEventListener('blur', function () {
    clearTimeout(timer);
    close();
  });
  form.addEventListener('submit', close);
})();
