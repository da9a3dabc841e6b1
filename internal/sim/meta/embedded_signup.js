// The simulated Embedded Signup popup. It walks Meta's screens (their
// current_step names are what a CANCEL reports, §7.3), creates the
// customer's assets through POST signup on finish, then posts the
// WA_EMBEDDED_SIGNUP event to the opener — as a JSON string, like Meta —
// followed by the code on sdk.js's channel, and closes.
(function () {
  'use strict';
  var STEPS = ['BUSINESS_ACCOUNT_SELECTION', 'WABA_PHONE_PROFILE_PICKER', 'WHATSAPP_BUSINESS_PROFILE_SETUP',
    'PHONE_NUMBER_SETUP', 'PHONE_NUMBER_VERIFICATION', 'PERMISSIONS'];
  var params = new URLSearchParams(location.search);
  var targetOrigin = params.get('origin') || '';
  if (!targetOrigin && document.referrer) {
    try { targetOrigin = new URL(document.referrer).origin; } catch (e) { targetOrigin = ''; }
  }
  targetOrigin = targetOrigin || '*';
  var sessionId = randomHex(15);
  var current = 0;
  var settled = false;
  var $ = function (id) { return document.getElementById(id); };

  function randomHex(n) {
    var s = '';
    while (s.length < n) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }

  function status(text) { $('es-status').textContent = text || ''; }

  function skipPhone() { return $('es-skip-phone').checked; }

  // Pre-filled data (extras.setup) fills the matching fields.
  try {
    var setup = (JSON.parse(params.get('extras') || '{}') || {}).setup || {};
    if (setup.business && setup.business.name) $('es-business-name').value = setup.business.name;
    if (setup.phone && setup.phone.displayName) $('es-display-name').value = setup.phone.displayName;
    if (setup.phone && setup.phone.category) $('es-category').value = setup.phone.category;
  } catch (e) { /* ignore malformed extras, as Meta's dialog does */ }
  $('es-phone').value = '1555' + String(Math.floor(Math.random() * 1e7)).padStart(7, '0');

  function show(i) {
    current = i;
    document.querySelectorAll('section[data-step]').forEach(function (s) {
      s.classList.toggle('active', s.dataset.step === STEPS[i]);
    });
    var bar = $('es-progress');
    bar.textContent = '';
    STEPS.forEach(function (_, j) {
      var li = document.createElement('li');
      if (j <= i) li.className = 'done';
      bar.appendChild(li);
    });
    var last = i === STEPS.length - 1;
    $('es-next').hidden = last;
    $('es-finish').hidden = !last;
    $('es-back').disabled = i === 0;
    document.body.dataset.step = STEPS[i];
    if (last) {
      $('es-summary').textContent = skipPhone()
        ? 'A WhatsApp Business account without a phone number will be shared with the app.'
        : 'The number ' + $('es-phone').value + ' and its WhatsApp Business account will be shared with the app.';
    }
    status('');
  }

  function post(payload) {
    if (window.opener) window.opener.postMessage(JSON.stringify(payload), targetOrigin);
  }

  // settle ends the flow: the event, then the code (or none) for FB.login.
  function settle(event, code) {
    if (settled) return;
    settled = true;
    post(event);
    if (window.opener) {
      window.opener.postMessage(JSON.stringify({ type: 'GOHAVI_SIM_FB_LOGIN', code: code || null }), targetOrigin);
    }
    document.body.dataset.done = event.event;
    setTimeout(function () { window.close(); }, 100);
  }

  function cancel() {
    settle({ data: { current_step: STEPS[current] }, type: 'WA_EMBEDDED_SIGNUP', event: 'CANCEL' });
  }

  function next() {
    var step = STEPS[current];
    if (step === 'BUSINESS_ACCOUNT_SELECTION' && !$('es-business-name').value.trim()) return status('Enter a business name.');
    if (step === 'WHATSAPP_BUSINESS_PROFILE_SETUP' && !$('es-display-name').value.trim()) return status('Enter a display name.');
    if (step === 'PHONE_NUMBER_SETUP' && !skipPhone()) {
      var digits = $('es-phone').value.replace(/[\s()+.-]/g, '');
      if (!/^\d{7,15}$/.test(digits)) return status('Enter a phone number in international format.');
    }
    if (step === 'PHONE_NUMBER_VERIFICATION' && !/^\d{6}$/.test($('es-otp').value)) return status('Enter the 6-digit code.');
    var to = current + 1;
    if (STEPS[to] === 'PHONE_NUMBER_VERIFICATION' && skipPhone()) to++;
    show(to);
  }

  function back() {
    var to = current - 1;
    if (STEPS[to] === 'PHONE_NUMBER_VERIFICATION' && skipPhone()) to--;
    if (to >= 0) show(to);
  }

  function finish() {
    var onlyWaba = skipPhone();
    var body = {
      business_name: $('es-business-name').value.trim(),
      waba_name: $('es-waba-name').value.trim(),
      verified_name: $('es-display-name').value.trim(),
      only_waba: onlyWaba,
    };
    if (!onlyWaba) body.display_phone_number = $('es-phone').value;
    $('es-finish').disabled = true;
    fetch('signup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().then(function (out) {
          if (!res.ok) throw new Error((out.error && out.error.message) || res.statusText);
          return out;
        });
      })
      .then(function (out) {
        var data = { waba_id: out.waba_id, business_id: out.business_id };
        if (!onlyWaba) data = { phone_number_id: out.phone_number_id, waba_id: out.waba_id, business_id: out.business_id };
        settle({ data: data, type: 'WA_EMBEDDED_SIGNUP', event: onlyWaba ? 'FINISH_ONLY_WABA' : 'FINISH' }, out.code);
      })
      .catch(function (err) {
        $('es-finish').disabled = false;
        status('Something went wrong: ' + err.message);
      });
  }

  function report() {
    settle({
      data: {
        error_message: $('es-error-message').value.trim() || 'Something went wrong.',
        error_id: String(100000 + Math.floor(Math.random() * 900000)),
        session_id: sessionId,
        timestamp: String(Math.floor(Date.now() / 1000)),
      },
      type: 'WA_EMBEDDED_SIGNUP',
      event: 'CANCEL',
    });
  }

  $('es-next').addEventListener('click', next);
  $('es-back').addEventListener('click', back);
  $('es-finish').addEventListener('click', finish);
  $('es-cancel').addEventListener('click', cancel);
  $('es-report').addEventListener('click', report);
  // Closing the window is abandoning the flow at the current screen.
  window.addEventListener('pagehide', function () { if (!settled) cancel(); });

  // Tell the developer early when FB.init used another app id: the code
  // exchange would fail with it.
  var appId = params.get('app_id');
  if (appId) {
    fetch('app').then(function (r) { return r.json(); }).then(function (app) {
      if (app.app_id && app.app_id !== appId) {
        status('FB.init used app ' + appId + ', but the simulator is app ' + app.app_id + ': the code exchange will fail.');
      }
    }).catch(function () {});
  }
  show(0);
})();
