/*
 * The dashboard's only browser code, loaded by the shell (src/ui/shell.tsx) from this file, which
 * Workers Static Assets serves (see [assets] in wrangler.toml). A browser navigation cannot send
 * `Authorization: Bearer`, so the shell carries no data: this script asks for the token once (kept
 * in sessionStorage, i.e. per tab, gone when the tab closes), fetches the page's server-rendered
 * fragment with the header, and injects it. 401 → the token is dropped and the login form shows the
 * reason. Action buttons call the admin API directly after a confirmation and reload the fragment.
 *
 * Plain ES2020, served as written: no build step touches it. It runs at the end of <body>, so the
 * elements it looks up already exist.
 */
(function () {
  'use strict';
  var KEY = 'modelgate.token';
  var main = document.getElementById('main');
  var login = document.getElementById('login');
  var loginForm = document.getElementById('login-form');
  var loginError = document.getElementById('login-error');
  var tokenInput = document.getElementById('token');
  var flash = document.getElementById('flash');
  var session = document.getElementById('session');
  var roleEl = document.getElementById('role');
  var DONE = { pause: 'Paused', resume: 'Resumed', approve: 'Approved', rollback: 'Rolled back' };

  function getToken() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function setToken(t) { try { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); } catch (e) { /* storage disabled */ } }
  function setFlash(kind, text) { flash.className = 'flash' + (kind ? ' ' + kind : ''); flash.textContent = text; }
  function pageRoot() { return main.querySelector('[data-page]'); }

  function showLogin(message) {
    main.hidden = true;
    main.innerHTML = '';
    session.hidden = true;
    login.hidden = false;
    loginError.textContent = message || '';
    tokenInput.focus();
  }

  async function problemText(res) {
    var text = await res.text();
    try {
      var p = JSON.parse(text);
      return (p.title || ('HTTP ' + res.status)) + (p.detail ? ': ' + p.detail : '');
    } catch (e) {
      return 'HTTP ' + res.status + (res.statusText ? ' ' + res.statusText : '');
    }
  }

  async function load() {
    var token = getToken();
    if (!token) { showLogin(''); return; }
    main.setAttribute('aria-busy', 'true');
    var res;
    try {
      res = await fetch(main.getAttribute('data-fragment') + location.search, {
        headers: { authorization: 'Bearer ' + token, accept: 'text/html' },
        cache: 'no-store'
      });
    } catch (e) {
      main.setAttribute('aria-busy', 'false');
      setFlash('error', 'Could not reach the gateway: ' + e.message);
      return;
    }
    if (res.status === 401) {
      setToken(null);
      showLogin(await problemText(res));
      return;
    }
    login.hidden = true;
    main.hidden = false;
    if (!res.ok) {
      var p = document.createElement('p');
      p.className = 'flash error';
      p.setAttribute('role', 'alert');
      p.textContent = await problemText(res);
      main.replaceChildren(p);
    } else {
      main.innerHTML = await res.text();
    }
    var root = pageRoot();
    if (root) {
      document.title = root.getAttribute('data-title') + ' \u00b7 modelgate';
      roleEl.textContent = root.getAttribute('data-role') || '';
    }
    // "Signed in as" only with a name to show (a failed fragment has no role).
    session.hidden = !(root && root.getAttribute('data-role'));
    main.setAttribute('aria-busy', 'false');
  }

  loginForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var value = tokenInput.value.trim();
    if (!value) return;
    setToken(value);
    tokenInput.value = '';
    setFlash('', '');
    load().then(function () { if (!main.hidden) main.focus(); });
  });

  document.getElementById('signout').addEventListener('click', function () {
    setToken(null);
    setFlash('', '');
    showLogin('Signed out.');
  });

  function describe(action, out) {
    if (action === 'rollback') {
      var w = Object.keys(out.weights || {}).map(function (k) { return k + ' ' + out.weights[k] + '%'; }).join(', ');
      if (out.changed === false) return 'Nothing to roll back: the routing already was ' + w + ' (epoch ' + out.epoch + ', unchanged).';
      return 'Rolled back: routing is now ' + w + ' (epoch ' + out.epoch + ')' + (out.ended_rollout ? '; ended rollout ' + out.ended_rollout : '') + '.';
    }
    return DONE[action] + ': rollout ' + out.id + ' is ' + out.phase + (out.step ? ' at ' + out.step.label : '') + '.';
  }

  async function act(btn) {
    var d = btn.dataset;
    var reasonEl = document.getElementById('action-reason');
    var reason = reasonEl ? reasonEl.value.trim() : '';
    var token = getToken();
    var body = {};
    var url, question;
    if (d.action === 'approve') {
      var root = pageRoot();
      if (!root || root.getAttribute('data-role') !== 'approver') {
        var field = document.getElementById('approver-token');
        token = field ? field.value.trim() : '';
        if (!token) { setFlash('error', 'Paste the approver token to approve.'); if (field) field.focus(); return; }
      }
      body.evidence_hash = d.evidence;
      if (d.step) body.step = Number(d.step);
      if (reason) body.comment = reason;
      url = '/admin/rollouts/' + encodeURIComponent(d.rollout) + '/approve';
      question = 'Approve "' + d.label + '" for rollout ' + d.rollout + '?\n\nYou sign the evidence ' + d.evidence.slice(0, 16) + '\u2026 shown on this page.';
    } else if (d.action === 'rollback') {
      if (reason) body.reason = reason;
      url = '/admin/models/' + encodeURIComponent(d.model) + '/rollback';
      question = 'Roll back ' + d.model + '? All of its traffic goes to ' + d.champion + ' in one publish.';
    } else {
      if (reason) body.reason = reason;
      url = '/admin/rollouts/' + encodeURIComponent(d.rollout) + '/' + d.action;
      question = (d.action === 'pause' ? 'Pause' : 'Resume') + ' rollout ' + d.rollout + '?';
    }
    if (!window.confirm(question)) { setFlash('', 'Cancelled: nothing was changed.'); return; }
    btn.disabled = true;
    setFlash('', 'Working\u2026');
    try {
      var res = await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify(body)
      });
      if (!res.ok) {
        setFlash('error', (DONE[d.action] || d.action) + ' failed \u2014 ' + await problemText(res));
        btn.disabled = false;
        return;
      }
      setFlash('ok', describe(d.action, await res.json()));
      await load();
    } catch (e) {
      setFlash('error', d.action + ' failed \u2014 ' + e.message);
      btn.disabled = false;
    }
  }

  main.addEventListener('click', function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;
    var btn = target.closest('button[data-action]');
    if (btn) { ev.preventDefault(); setFlash('', ''); act(btn); return; }
    if (target.closest('button[data-refresh]')) { ev.preventDefault(); setFlash('', ''); load(); }
  });

  load();
})();
