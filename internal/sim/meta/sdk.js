// Stand-in for https://connect.facebook.net/en_US/sdk.js, enough for
// WhatsApp Embedded Signup: FB.init, FB.login(callback, {config_id,
// response_type: 'code', override_default_response_type, extras}),
// FB.getLoginStatus and FB.logout. FB.login opens the simulator's
// Embedded Signup popup; when it finishes, the callback gets
// {authResponse: {code}, status: 'connected'}, otherwise
// {authResponse: null, status: 'unknown'} — as with Meta's SDK.
(function () {
  'use strict';
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/sdk\.js(?:[?#].*)?$/, '') : '/_sim/';
  var simOrigin = new URL(base, location.href).origin;
  var settings = {};

  function login(callback, options) {
    options = options || {};
    callback = typeof callback === 'function' ? callback : function () {};
    var url = new URL('embedded-signup', new URL(base, location.href));
    url.searchParams.set('origin', location.origin);
    if (settings.appId) url.searchParams.set('app_id', String(settings.appId));
    if (options.config_id) url.searchParams.set('config_id', String(options.config_id));
    if (options.response_type) url.searchParams.set('response_type', String(options.response_type));
    if (options.extras) url.searchParams.set('extras', JSON.stringify(options.extras));
    var popup = window.open(url.toString(), 'gohavi_sim_embedded_signup', 'width=620,height=720');
    var answered = false;

    function answer(code) {
      if (answered) return;
      answered = true;
      window.removeEventListener('message', onMessage);
      clearInterval(watch);
      if (code) {
        callback({ authResponse: { code: code, userID: '', expiresIn: 0, graphDomain: 'facebook' }, status: 'connected' });
      } else {
        callback({ authResponse: null, status: 'unknown' });
      }
    }

    // The popup reports the code on its own channel, after the
    // WA_EMBEDDED_SIGNUP event, the way Meta's dialog reaches the SDK.
    function onMessage(event) {
      if (event.origin !== simOrigin || (popup && event.source !== popup)) return;
      var data;
      try { data = typeof event.data === 'string' ? JSON.parse(event.data) : event.data; } catch (e) { return; }
      if (!data || data.type !== 'GOHAVI_SIM_FB_LOGIN') return;
      answer(data.code || null);
    }
    window.addEventListener('message', onMessage);
    // Closing the popup without an answer is a cancelled login.
    var watch = setInterval(function () {
      if (!popup || popup.closed) setTimeout(function () { answer(null); }, 200);
    }, 300);
  }

  window.FB = {
    init: function (opts) { settings = Object.assign({}, opts || {}); },
    login: login,
    getLoginStatus: function (cb) { if (typeof cb === 'function') cb({ authResponse: null, status: 'unknown' }); },
    logout: function (cb) { if (typeof cb === 'function') cb({ authResponse: null, status: 'unknown' }); },
    AppEvents: { logPageView: function () {} },
  };
  if (typeof window.fbAsyncInit === 'function') {
    setTimeout(function () { window.fbAsyncInit(); }, 0);
  }
})();
