/* The weighing station: record deliveries one household after another, with or without a
   network. Entries wait in localStorage, each with its own idempotency key, and are sent in
   order when the server can be reached; the server answers a key it already recorded with
   the recorded contribution, so a resend never counts twice. */
(function () {
  'use strict';

  var root = document.getElementById('station');
  if (!root) return;
  var T = JSON.parse(document.getElementById('station-texts').textContent);
  var D = root.dataset;
  var QUEUE_KEY = 'traceapp-station-queue:' + D.user;
  var LOT_KEY = 'traceapp-station-lot:' + D.user;
  var LIST_KEY = 'traceapp-station-members:' + D.user + ':';
  var MAX_BACKOFF = 60000;
  var LANG = document.documentElement.lang || undefined;

  var $ = function (id) { return document.getElementById(id); };
  var lotSelect = $('lot'), form = $('entry'), who = $('who'), zone = $('zone'), qty = $('qty');
  var state = { lot: null, members: [], zones: {}, member: null, fixing: null };
  var sending = false, backoff = 0, timer = null, signedOut = false;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? '' : String(values[name]);
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function today() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  // ---- the queue, kept in localStorage -------------------------------------------------
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]'); } catch (e) { return []; }
  }
  function saveQueue(queue) { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); }
  function update(key, changes) {
    var queue = loadQueue();
    queue.forEach(function (entry) { if (entry.key === key) Object.assign(entry, changes); });
    saveQueue(queue);
  }

  function number(text) {
    var value = String(text || '').trim().replace(/\s/g, '').replace(',', '.');
    return /^\d+(\.\d{1,3})?$/.test(value) && Number(value) > 0 ? value : null;
  }

  // ---- network state and sending -------------------------------------------------------
  function showNet(extra) {
    var net = $('net');
    var online = navigator.onLine;
    net.className = 'net' + (online && !signedOut ? '' : ' offline');
    net.textContent = signedOut ? T.signin : (extra || (online ? T.online : T.offline));
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    backoff = backoff ? Math.min(backoff * 2, MAX_BACKOFF) : 2000;
    timer = setTimeout(flush, backoff);
    showNet(fill(T.retry, { s: Math.round(backoff / 1000) }));
  }

  function isJson(response) {
    return (response.headers.get('Content-Type') || '').indexOf('json') !== -1;
  }

  async function token() {
    var response = await fetch(D.session, {
      credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' }
    });
    if (response.redirected || response.status === 401 || response.status === 403) {
      signedOut = true;
      return null;
    }
    if (!response.ok || !isJson(response)) throw new Error('no session');
    signedOut = false;
    return (await response.json()).csrf_token;
  }

  function fieldErrors(body) {
    var found = [];
    var errors = (body && body.errors) || {};
    Object.keys(errors).forEach(function (where) {
      var fields = errors[where] || {};
      Object.keys(fields).forEach(function (name) {
        [].concat(fields[name]).forEach(function (message) {
          if (found.indexOf(message) === -1 && message !== body.message) found.push(message);
        });
      });
    });
    return found;
  }

  async function sendOne(entry, csrf) {
    var response = await fetch(D.record.replace('999999999', entry.lot_id), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify({
        member_id: entry.member_id, zone_id: entry.zone_id, quantity: entry.quantity,
        delivered_on: entry.delivered_on, idempotency_key: entry.key,
        // An implausible quantity the user confirmed, with the reason the auditors will read.
        confirm_implausible: entry.confirm_implausible || undefined,
        confirmation_reason: entry.confirmation_reason || undefined
      })
    });
    var body = isJson(response) ? await response.json() : null;
    if (response.status === 200 || response.status === 201) {
      update(entry.key, { state: 'sent', contribution_id: body && body.id, message: '', details: [] });
      if (body && body.recorded_text && state.lot && String(state.lot.id) === String(entry.lot_id)) {
        state.lot.recorded_text = body.recorded_text;
      }
      return true;
    }
    if (response.redirected || response.status === 401 || (response.status === 400 && !body)) {
      signedOut = true;
      return false;
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 400) {
      // Refused by the server (a rule, a closed lot, a key used for another delivery):
      // kept, with the server's reason, for the user to correct or drop.
      var asked = (body && body.errors && body.errors.json) || {};
      update(entry.key, {
        state: 'refused',
        message: (body && body.message) || String(response.status),
        details: fieldErrors(body),
        // The checks at entry found the quantity implausible: it may be confirmed with a reason.
        confirmable: 'confirm_implausible' in asked || 'confirmation_reason' in asked
      });
      return true;
    }
    throw new Error('server ' + response.status);
  }

  async function flush() {
    clearTimeout(timer);
    timer = null;
    if (sending) return;
    if (!navigator.onLine) { showNet(); return; }
    var waiting = loadQueue().filter(function (e) { return e.state === 'waiting' || e.state === 'sending'; });
    if (!waiting.length) { backoff = 0; showNet(); return; }
    sending = true;
    try {
      var csrf = await token();
      if (!csrf) { render(); showNet(); return; }
      for (var i = 0; i < waiting.length; i++) {
        if (!navigator.onLine) break;
        update(waiting[i].key, { state: 'sending' });
        render();
        var ok = await sendOne(waiting[i], csrf);
        if (!ok) break;
      }
      backoff = 0;
      showNet();
    } catch (e) {
      // Unreachable or a server error: everything not answered waits for the next try.
      loadQueue().forEach(function (entry) {
        if (entry.state === 'sending') update(entry.key, { state: 'waiting' });
      });
      schedule();
    } finally {
      sending = false;
      loadQueue().forEach(function (entry) {
        if (entry.state === 'sending') update(entry.key, { state: 'waiting' });
      });
      render();
    }
  }

  // ---- the lot and its members ---------------------------------------------------------
  function fold(text) {
    return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase().trim();
  }

  function useList(data) {
    state.lot = data.lot;
    state.members = data.members;
    state.zones = {};
    data.zones.forEach(function (z) { state.zones[z.id] = z; });
    state.allZones = data.zones;
    $('unit').textContent = data.lot.unit_label;
    form.hidden = false;
    $('summary').hidden = false;
    render();
  }

  async function chooseLot(id) {
    state.lot = null;
    form.hidden = true;
    $('lot-info').textContent = '';
    if (!id) { render(); return; }
    localStorage.setItem(LOT_KEY, id);
    var url = D.members.replace('999999999', id);
    try {
      var response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok || !isJson(response)) throw new Error('no list');
      var data = await response.json();
      localStorage.setItem(LIST_KEY + id, JSON.stringify(data));
      useList(data);
    } catch (e) {
      var kept = localStorage.getItem(LIST_KEY + id);
      if (kept) useList(JSON.parse(kept));
      else $('lot-info').textContent = T.no_list;
    }
    if (state.lot) who.focus();
  }

  function matches(text) {
    var q = fold(text);
    if (!q) return [];
    var digits = /^\d+$/.test(q) ? String(Number(q)) : null;
    var exact = state.members.filter(function (m) {
      return fold(m.number) === q || (digits !== null && /^\d+$/.test(m.number) && String(Number(m.number)) === digits);
    });
    if (exact.length) return exact;
    return state.members.filter(function (m) {
      return fold(m.name).indexOf(q) !== -1 || fold(m.number).indexOf(q) !== -1;
    }).slice(0, 6);
  }

  function zonesFor(member) {
    var own = member.zones.filter(function (id) { return state.zones[id]; });
    return own.length ? own : state.allZones.map(function (z) { return z.id; });
  }

  function lastZone(member) {
    return localStorage.getItem('traceapp-station-zone:' + D.user + ':' + member.id);
  }

  function pick(member) {
    state.member = member;
    var box = $('matches');
    box.textContent = '';
    $('who-found').textContent = member ? member.number + ' · ' + member.name + (member.village ? ' · ' + member.village : '') : '';
    zone.textContent = '';
    if (!member) return;
    var ids = zonesFor(member);
    ids.forEach(function (id) {
      var z = state.zones[id];
      var option = document.createElement('option');
      option.value = id;
      option.textContent = z.code + (z.name ? ' · ' + z.name : '');
      zone.appendChild(option);
    });
    var preferred = [lastZone(member), member.last_zone_id, ids[ids.length - 1]];
    for (var i = 0; i < preferred.length; i++) {
      if (preferred[i] && ids.indexOf(Number(preferred[i])) !== -1) { zone.value = String(preferred[i]); break; }
    }
  }

  function findMember() {
    var found = matches(who.value);
    var box = $('matches');
    box.textContent = '';
    if (found.length === 1) { pick(found[0]); return true; }
    pick(null);
    if (!who.value.trim()) return false;
    $('who-found').textContent = found.length ? T.several : T.no_member;
    found.forEach(function (m) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = m.number + ' · ' + m.name + (m.village ? ' · ' + m.village : '');
      button.addEventListener('click', function () {
        who.value = m.number;
        pick(m);
        qty.focus();
      });
      box.appendChild(button);
    });
    return false;
  }

  // ---- recording -----------------------------------------------------------------------
  function record(event) {
    event.preventDefault();
    var error = $('entry-error');
    error.textContent = '';
    if (!state.member && !findMember()) { error.textContent = T.choose_member; who.focus(); return; }
    if (!zone.value) { error.textContent = state.allZones.length ? T.choose_zone : T.no_zone; zone.focus(); return; }
    var quantity = number(qty.value);
    if (!quantity) { error.textContent = T.bad_qty; qty.focus(); return; }
    var z = state.zones[zone.value];
    var entry = {
      key: newKey(), lot_id: state.lot.id, lot_code: state.lot.code,
      member_id: state.member.id, member: state.member.number + ' · ' + state.member.name,
      zone_id: Number(zone.value), zone: z ? z.code : '',
      quantity: quantity, unit: state.lot.unit, unit_label: state.lot.unit_label,
      delivered_on: today(), state: 'waiting', message: '', details: []
    };
    localStorage.setItem('traceapp-station-zone:' + D.user + ':' + state.member.id, zone.value);
    var queue = loadQueue();
    if (state.fixing) {
      // A corrected entry replaces the refused one (which recorded nothing) under a new key.
      entry.delivered_on = state.fixing.delivered_on;
      queue = queue.filter(function (e) { return e.key !== state.fixing.key; });
      state.fixing = null;
      $('cancel-fix').hidden = true;
    }
    queue.push(entry);
    saveQueue(queue);
    who.value = '';
    qty.value = '';
    pick(null);
    render();
    who.focus();
    flush();
  }

  async function fix(entry) {
    if (!state.lot || String(state.lot.id) !== String(entry.lot_id)) {
      lotSelect.value = String(entry.lot_id);
      await chooseLot(String(entry.lot_id));
    }
    state.fixing = entry;
    var member = state.members.filter(function (m) { return m.id === entry.member_id; })[0];
    who.value = member ? member.number : '';
    pick(member || null);
    if (member && zone.querySelector('option[value="' + Number(entry.zone_id) + '"]')) {
      zone.value = String(entry.zone_id);
    }
    qty.value = entry.quantity;
    $('entry-error').textContent = [T.fixing, entry.message].concat(entry.details || []).join(' ');
    $('cancel-fix').hidden = false;
    qty.focus();
  }

  function drop(entry) {
    if (!window.confirm(T.drop_confirm)) return;
    saveQueue(loadQueue().filter(function (e) { return e.key !== entry.key; }));
    render();
  }

  function render() {
    var queue = loadQueue();
    var lotId = state.lot ? String(state.lot.id) : null;
    var mine = queue.filter(function (e) { return String(e.lot_id) === lotId; });
    var counted = mine.filter(function (e) { return e.state !== 'refused'; });
    var total = counted.reduce(function (sum, e) { return sum + Math.round(Number(e.quantity) * 1000); }, 0) / 1000;
    var unit = state.lot ? state.lot.unit_label : '';
    $('total').textContent = fill(T.total, { n: counted.length, total: total.toLocaleString(LANG) + ' ' + unit });
    var count = function (s) { return queue.filter(function (e) { return e.state === s || (s === 'waiting' && e.state === 'sending'); }).length; };
    $('counts').textContent = fill(T.counts, { waiting: count('waiting'), sent: count('sent'), refused: count('refused') });
    $('lot-info').textContent = state.lot
      ? state.lot.product + ' · ' + fill(T.recorded, { total: state.lot.recorded_text, quantity: state.lot.quantity_text })
      : $('lot-info').textContent;
    var list = $('queue');
    list.textContent = '';
    queue.slice().reverse().forEach(function (entry) {
      var item = document.createElement('li');
      item.dataset.state = entry.state;
      item.dataset.key = entry.key;
      var head = document.createElement('div');
      var status = document.createElement('span');
      status.className = 'state';
      status.textContent = T[entry.state] || entry.state;
      head.appendChild(status);
      head.appendChild(document.createTextNode(' · ' + entry.member + ' · ' + Number(entry.quantity).toLocaleString(LANG) + ' ' + entry.unit_label + ' · ' + entry.zone + ' · ' + entry.lot_code));
      item.appendChild(head);
      if (entry.state === 'refused') {
        var why = document.createElement('p');
        why.className = 'why';
        why.textContent = [entry.message].concat(entry.details || []).join(' ');
        item.appendChild(why);
        var actions = document.createElement('div');
        actions.className = 'row-actions';
        [[T.fix, fix], [T.drop, drop]].forEach(function (pair) {
          var button = document.createElement('button');
          button.type = 'button';
          button.textContent = pair[0];
          button.addEventListener('click', function () { pair[1](entry); });
          actions.appendChild(button);
        });
        item.appendChild(actions);
        if (entry.confirmable) item.appendChild(confirmBox(entry));
      }
      list.appendChild(item);
    });
    $('summary').hidden = !state.lot && !queue.length;
  }

  // An implausible quantity that is right after all (a rented field, a second harvest): sent
  // again under the same key (the refusal recorded nothing) with the confirmation and reason.
  function confirmBox(entry) {
    var box = document.createElement('div');
    box.className = 'confirm';
    var id = 'reason-' + entry.key;
    var label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = T.reason;
    var input = document.createElement('input');
    input.id = id;
    input.value = entry.confirmation_reason || '';
    var say = document.createElement('p');
    say.className = 'entry-error';
    say.setAttribute('role', 'alert');
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = T.confirm;
    button.addEventListener('click', function () {
      var reason = input.value.trim();
      if (reason.length < 5) { say.textContent = T.reason_short; input.focus(); return; }
      update(entry.key, {
        state: 'waiting', confirm_implausible: true, confirmation_reason: reason,
        confirmable: false, message: '', details: []
      });
      render();
      flush();
    });
    [label, input, say, button].forEach(function (part) { box.appendChild(part); });
    return box;
  }

  // ---- wiring --------------------------------------------------------------------------
  lotSelect.addEventListener('change', function () { chooseLot(lotSelect.value); });
  // Found as it is typed: a whole member number picks the household, a part of a name
  // offers the households it matches as buttons.
  who.addEventListener('input', function () { state.member = null; findMember(); });
  who.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (findMember()) qty.focus();
  });
  form.addEventListener('submit', record);
  $('cancel-fix').addEventListener('click', function () {
    state.fixing = null;
    $('cancel-fix').hidden = true;
    $('entry-error').textContent = '';
    who.value = ''; qty.value = ''; pick(null);
  });
  $('send-now').addEventListener('click', function () { backoff = 0; flush(); });
  $('clear-sent').addEventListener('click', function () {
    saveQueue(loadQueue().filter(function (e) { return e.state !== 'sent'; }));
    render();
  });
  window.addEventListener('online', function () { backoff = 0; showNet(); flush(); });
  window.addEventListener('offline', function () { showNet(); });
  // A phone may miss the online event (asleep, a captive portal): look again now and then.
  setInterval(function () { if (!timer) flush(); }, 20000);
  window.addEventListener('storage', function (event) { if (event.key === QUEUE_KEY) render(); });

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register(D.worker, { scope: D.scope }).catch(function () {});
    navigator.serviceWorker.addEventListener('controllerchange', function () {
      // The worker took the page over: load the list again through it, so that it keeps it.
      if (state.lot && navigator.onLine) chooseLot(String(state.lot.id));
    });
  }

  var remembered = localStorage.getItem(LOT_KEY);
  if (remembered && lotSelect.querySelector('option[value="' + remembered + '"]')) {
    lotSelect.value = remembered;
    chooseLot(remembered);
  }
  showNet();
  render();
  flush();
})();
