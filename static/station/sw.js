/* The weighing station's service worker (scope: the station's pages). It keeps the page, its
   script and styles and each lot's member list, answering from the network when it can and
   from what it kept when it cannot. Entries are never sent through it: the page queues and
   sends them itself, so nothing is replayed behind the user's back. */
'use strict';

var CACHE = 'traceapp-station-v1';
var SCOPE = new URL('./', self.location).href;
var SHELL = [
  './',
  './manifest.webmanifest',
  '../static/station/station.js',
  '../static/station/station.css',
  '../static/css/app.css',
  '../static/favicon.svg',
  '../static/station/icon-192.png',
  '../static/station/icon-512.png'
].map(function (path) { return new URL(path, self.location).href; });
var NETWORK_WAIT_MS = 6000;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // One by one: a file that cannot be fetched now (signed out) must not stop the install.
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: 'same-origin', cache: 'reload' }).then(function (response) {
        if (response.ok && !response.redirected) return cache.put(url, response);
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf('traceapp-station-') === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (found) {
      // The page asked with a query (?lang=...) answers from the page kept without one.
      return found || (request.mode === 'navigate' ? cache.match(SCOPE, { ignoreSearch: true }) : undefined);
    });
  });
}

function networkFirst(request) {
  var fromNetwork = fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === 'basic') {
      var copy = response.clone();
      var key = request.mode === 'navigate' ? request.url.split('?')[0] : request.url;
      caches.open(CACHE).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  });
  // A weak signal that never answers is as bad as none: after a while, what was kept.
  var late = new Promise(function (resolve) {
    setTimeout(function () { kept(request).then(resolve); }, NETWORK_WAIT_MS);
  });
  return Promise.race([fromNetwork, late.then(function (found) { return found || fromNetwork; })])
    .catch(function () {
      return kept(request).then(function (found) {
        return found || new Response('', { status: 503, statusText: 'Offline' });
      });
    });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (/\/session\.json$/.test(url.pathname) || /\/sw\.js$/.test(url.pathname)) return;
  if (request.url.indexOf(SCOPE) === 0 || SHELL.indexOf(url.href) !== -1) {
    event.respondWith(networkFirst(request));
  }
});
