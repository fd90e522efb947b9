// Keyboard shortcuts, as readers of Hugging Face Papers and Gmail expect them: "/" jumps to the
// search box, j and k move to the next and previous paper card (Enter then opens it). Never while
// typing in a field, and never with Ctrl, Alt or Meta held, so the browser's own shortcuts stay.
(function () {
  'use strict';

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll('article.card .card-title a'));
  }

  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    if (event.key === '/') {
      var box = document.getElementById('site-q');
      if (!box) return;
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    if (event.key !== 'j' && event.key !== 'k') return;
    var links = cards();
    if (links.length === 0) return;
    var at = links.indexOf(document.activeElement);
    var next = event.key === 'j' ? (at < 0 ? 0 : Math.min(at + 1, links.length - 1)) : (at < 0 ? 0 : Math.max(at - 1, 0));
    event.preventDefault();
    links[next].focus();
    links[next].closest('article').scrollIntoView({ block: 'nearest' });
  });
})();
