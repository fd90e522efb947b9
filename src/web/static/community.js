// Votes, comments and collections without a reload. Every form marked data-async works without
// this script (the server answers with a redirect); with it, the form is posted with fetch, the
// server answers JSON (Accept: application/json), and the page is updated in place. Errors are
// shown in a role="status" element beside the form. Text is set with textContent; the only markup
// inserted is a comment the server rendered through its sanitiser.
(function () {
  'use strict';
  if (typeof window.fetch !== 'function' || typeof window.FormData !== 'function') return;

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-async')) return;
    event.preventDefault();
    send(form);
  });

  function send(form) {
    var body = new URLSearchParams(new FormData(form));
    var token = body.get('_csrf') || '';
    var button = form.querySelector('button[type="submit"], button:not([type])');
    if (button) button.disabled = true;
    showStatus(form, '');
    fetch(form.action, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'x-csrf-token': token },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error((data && data.message) || 'That did not work (' + response.status + ').');
          return data;
        }, function () {
          throw new Error('That did not work (' + response.status + '). Please try again.');
        });
      })
      .then(function (data) {
        var kind = form.getAttribute('data-async');
        if (kind === 'vote') updateVote(form, data);
        else if (kind === 'collect') updateCollect(form, data);
        else if (kind === 'comment-new') insertComment(form, data);
        else if (kind === 'comment-edit') replaceComment(data);
      })
      .catch(function (error) {
        showStatus(form, error.message || 'That did not work. Please try again.');
      })
      .then(function () {
        if (button && button.isConnected) button.disabled = false;
      });
  }

  function updateVote(form, data) {
    var button = form.querySelector('button');
    var up = form.querySelector('input[name="up"]');
    var source = Number(form.getAttribute('data-source')) || 0;
    var total = data.votes + source;
    form.querySelector('.vote-count').textContent = compact(total);
    var hidden = form.querySelector('.visually-hidden');
    if (hidden) hidden.textContent = total === 1 ? ' upvote' : ' upvotes';
    button.setAttribute('aria-pressed', data.voted ? 'true' : 'false');
    button.classList.toggle('voted', data.voted);
    button.title = data.votes + ' here' + (source ? ' + ' + source + ' on Hugging Face' : '') + (data.voted ? ' (click to withdraw your vote)' : '');
    up.value = data.voted ? '0' : '1';
  }

  function updateCollect(form, data) {
    var button = form.querySelector('button');
    button.setAttribute('aria-pressed', data.inCollection ? 'true' : 'false');
    form.action = form.action.replace(/\/(add|remove)$/, data.inCollection ? '/remove' : '/add');
  }

  function insertComment(form, data) {
    var list = document.getElementById(form.getAttribute('data-list'));
    if (!list) return window.location.reload();
    list.appendChild(fragment(data.html));
    var text = form.querySelector('textarea');
    if (text) text.value = '';
    var details = form.closest('details');
    if (details) details.open = false;
  }

  function replaceComment(data) {
    var old = document.getElementById('comment-' + data.key);
    if (!old) return window.location.reload();
    old.replaceWith(fragment(data.html));
  }

  /** Markup the server rendered (and sanitised) for us, as nodes. */
  function fragment(markup) {
    var template = document.createElement('template');
    template.innerHTML = markup;
    return template.content;
  }

  function showStatus(form, message) {
    var status = form.nextElementSibling;
    if (!status || !status.hasAttribute('data-async-status')) {
      if (!message) return;
      status = document.createElement('p');
      status.setAttribute('role', 'status');
      status.setAttribute('data-async-status', '');
      status.className = 'async-status';
      form.after(status);
    }
    status.textContent = message;
  }

  function compact(n) {
    if (n < 1000) return String(n);
    if (n < 1000000) return (n / 1000).toFixed(n < 10000 ? 1 : 0).replace(/\.0$/, '') + 'k';
    return (n / 1000000).toFixed(1).replace(/\.0$/, '') + 'M';
  }
})();
