/* Zone maps on the vendored Leaflet (static/vendor/leaflet), plain JavaScript, no build step.
 *
 * - On the zone form, an editor that writes GeoJSON into the geometry field: tap to add a
 *   corner, drag a corner to move it, tap a corner to choose it and remove it, tap or drag
 *   the small handle halfway along a side to add a corner there, undo, a point
 *   or one or more outlines (a MultiPolygon), and "walk the boundary" from the phone's
 *   position. The field stays the rule: the server checks what it holds as typed GeoJSON, and
 *   without scripts the field is all there is.
 * - On a zone's page, the zone drawn over its cooperative's other zones.
 *
 * Each map is a <div class="zone-map" hidden> with its settings and words as JSON in data
 * attributes (traceapp/zones/maps.py); the context layer is fetched from the app itself and
 * tiles are loaded only when the server is configured with a tile server.
 */
(function () {
  'use strict';
  if (!window.L || !document.querySelectorAll) return;
  var L = window.L;
  var DEFAULT_VIEW = [16.0, 107.5];
  var MIN_STEP_M = 3; // a walked point is recorded after the phone moved this far
  var POOR_ACCURACY_M = 15;

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function round(value) {
    return Math.round(value * 1e7) / 1e7;
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className) {
    var node = make('button', className, text);
    node.type = 'button';
    return node;
  }

  function readJson(box, name) {
    try {
      return JSON.parse(box.getAttribute(name) || '{}');
    } catch (err) {
      return {};
    }
  }

  function baseMap(box, settings, words) {
    box.hidden = false;
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', words.mapLabel || '');
    var map = L.map(box, { attributionControl: false, zoomSnap: 0.5, tap: true });
    if (settings.tiles) {
      L.control.attribution({ prefix: false }).addTo(map);
      var credit = make('span', '', settings.attribution || '');
      L.tileLayer(settings.tiles, { attribution: credit.innerHTML, maxZoom: 19 }).addTo(map);
    } else {
      box.classList.add('no-tiles');
    }
    map.setView(DEFAULT_VIEW, 5);
    return map;
  }

  function label(properties) {
    var span = make('span', '', properties.code || '');
    if (properties.name) span.textContent += ' · ' + properties.name;
    if (properties.status) span.textContent += ' · ' + properties.status;
    return span;
  }

  /* The context layer: the cooperative's other zones now, administrative outlines later
   * (each feature's properties.layer names its layer and its style). */
  function loadContext(map, box, settings, fit) {
    if (!settings.context || !window.fetch) return;
    fetch(settings.context, { credentials: 'same-origin', headers: { Accept: 'application/geo+json' } })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .then(function (data) {
        if (!data || !data.features) return;
        var layer = L.geoJSON(data, {
          style: function (feature) {
            var kind = (feature.properties && feature.properties.layer) || 'zone';
            return { className: 'context context-' + kind, weight: kind === 'boundary' ? 1 : 2, fillOpacity: kind === 'boundary' ? 0 : 0.12 };
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 7, className: 'context context-zone' });
          },
          onEachFeature: function (feature, item) {
            if (feature.properties && feature.properties.code) {
              item.bindTooltip(label(feature.properties), { sticky: true });
            }
          }
        }).addTo(map);
        layer.bringToBack();
        box.setAttribute('data-context-features', String(data.features.length));
        // Fit to the cooperative's zones, not to the provinces drawn around them.
        var bounds = L.latLngBounds([]);
        layer.eachLayer(function (item) {
          var kind = (item.feature && item.feature.properties && item.feature.properties.layer) || 'zone';
          if (kind === 'zone') bounds.extend(item.getBounds ? item.getBounds() : item.getLatLng());
        });
        if (!bounds.isValid()) bounds = layer.getBounds();
        if (fit && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17, padding: [16, 16] });
      })
      .catch(function () { /* the map still edits without its context */ });
  }

  /* ---- the zone page: the zone over its neighbours ---------------------------------------- */

  function viewer(box, settings, words) {
    var geometry = readJson(box, 'data-geometry');
    if (!geometry || !geometry.type) return;
    var map = baseMap(box, settings, words);
    var shape = L.geoJSON(geometry, {
      style: { className: 'zone-shape', weight: 3, fillOpacity: 0.25 },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 9, className: 'zone-shape' });
      }
    }).addTo(map);
    var bounds = shape.getBounds();
    if (geometry.type === 'Point') map.setView(bounds.getCenter(), 16);
    else map.fitBounds(bounds, { maxZoom: 18, padding: [16, 16] });
    var figure = box.closest('figure');
    if (figure) figure.classList.add('has-map');
    loadContext(map, box, settings, false);
  }

  /* ---- the zone form: the editor ---------------------------------------------------------- */

  function fromGeoJson(text) {
    var state = { mode: 'polygon', parts: [[]], holes: [[]], point: null, active: 0 };
    text = (text || '').trim();
    if (!text) return state;
    var g;
    try {
      g = JSON.parse(text);
    } catch (err) {
      return null;
    }
    if (g && g.type === 'FeatureCollection' && g.features && g.features.length === 1) g = g.features[0];
    if (g && g.type === 'Feature') g = g.geometry;
    if (!g || !g.coordinates) return null;
    var ring = function (positions) {
      var out = positions.map(function (p) { return [p[1], p[0]]; });
      var first = out[0];
      var last = out[out.length - 1];
      if (out.length > 1 && first[0] === last[0] && first[1] === last[1]) out.pop();
      return out;
    };
    try {
      if (g.type === 'Point') {
        state.mode = 'point';
        state.point = [g.coordinates[1], g.coordinates[0]];
      } else if (g.type === 'Polygon') {
        state.parts = [ring(g.coordinates[0])];
        state.holes = [g.coordinates.slice(1)];
      } else if (g.type === 'MultiPolygon') {
        state.parts = g.coordinates.map(function (poly) { return ring(poly[0]); });
        state.holes = g.coordinates.map(function (poly) { return poly.slice(1); });
        state.active = state.parts.length - 1;
      } else {
        return null;
      }
    } catch (err) {
      return null;
    }
    return state;
  }

  function toGeoJson(state) {
    if (state.mode === 'point') {
      return state.point ? { type: 'Point', coordinates: [round(state.point[1]), round(state.point[0])] } : null;
    }
    var polygons = [];
    state.parts.forEach(function (part, i) {
      if (part.length < 3) return;
      var outer = part.map(function (ll) { return [round(ll[1]), round(ll[0])]; });
      outer.push(outer[0].slice());
      polygons.push([outer].concat(state.holes[i] || []));
    });
    if (!polygons.length) return null;
    if (polygons.length === 1) return { type: 'Polygon', coordinates: polygons[0] };
    return { type: 'MultiPolygon', coordinates: polygons };
  }

  function editor(box, settings, words, field) {
    var state = fromGeoJson(field.value);
    var readable = state !== null;
    if (!readable) state = fromGeoJson('');
    var history = [];
    var chosen = null; // {part, index} of the chosen corner
    var walk = null;

    var tools = make('div', 'map-tools');
    var polygonButton = button(words.polygon, 'mode');
    var pointButton = button(words.point, 'mode');
    var partButton = button(words.newPart);
    var undoButton = button(words.undo);
    var removeButton = button(words.remove);
    var clearButton = button(words.clear);
    var walkButton = button(words.walk, 'walk');
    [polygonButton, pointButton, partButton, undoButton, removeButton, clearButton, walkButton]
      .forEach(function (b) { tools.appendChild(b); });
    var hint = make('p', 'map-hint muted');
    hint.setAttribute('aria-live', 'polite');
    var status = make('p', 'map-status');
    status.setAttribute('aria-live', 'polite');
    box.parentNode.insertBefore(tools, box);
    box.parentNode.insertBefore(hint, box);
    var walkPanel = make('div', 'walk-panel');
    walkPanel.hidden = true;
    var walkHint = make('p', 'muted', words.hintWalk);
    var walkCount = make('p', 'walk-count');
    walkCount.setAttribute('aria-live', 'polite');
    var walkList = make('ol', 'walk-points');
    var stopButton = button(words.stop);
    var finishButton = button(words.finish, 'primary');
    var walkActions = make('div', 'actions');
    walkActions.appendChild(stopButton);
    walkActions.appendChild(finishButton);
    [walkHint, walkCount, walkList, walkActions].forEach(function (n) { walkPanel.appendChild(n); });
    box.parentNode.insertBefore(status, box.nextSibling);
    box.parentNode.insertBefore(walkPanel, status.nextSibling);

    var map = baseMap(box, settings, words);
    var drawn = L.layerGroup().addTo(map);
    var walked = L.layerGroup().addTo(map);

    function snapshot() {
      history.push(JSON.stringify({ state: state, chosen: chosen }));
      if (history.length > 200) history.shift();
    }

    function write() {
      var geometry = toGeoJson(state);
      field.value = geometry ? JSON.stringify(geometry) : '';
      readable = true;
    }

    function vertex(latlng, part, index) {
      var isChosen = chosen && chosen.part === part && chosen.index === index;
      var marker = L.marker(latlng, {
        draggable: true,
        keyboard: false,
        icon: L.divIcon({ className: 'vertex' + (isChosen ? ' chosen' : ''), iconSize: [26, 26] })
      });
      marker.on('dragstart', snapshot);
      marker.on('drag', function (e) {
        var ll = e.target.getLatLng();
        if (part < 0) state.point = [ll.lat, ll.lng];
        else state.parts[part][index] = [ll.lat, ll.lng];
        if (part >= 0 && shapes[part]) shapes[part].setLatLngs(outline(part));
      });
      marker.on('dragend', function () { write(); redraw(); });
      if (part >= 0) {
        marker.on('click', function () {
          chosen = isChosen ? null : { part: part, index: index };
          state.active = part;
          redraw();
        });
        marker.on('contextmenu', function () { removeCorner(part, index); });
      }
      return marker;
    }

    // The handle halfway along a side: tapped or dragged, it becomes a corner between the
    // two it lies between (the side from the last corner back to the first included).
    function midpoint(part, index) {
      var ring = state.parts[part];
      var a = ring[index];
      var b = ring[(index + 1) % ring.length];
      var marker = L.marker([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], {
        draggable: true,
        keyboard: false,
        title: words.addCorner,
        icon: L.divIcon({ className: 'vertex mid', iconSize: [18, 18] })
      });
      var added = false;
      function add(ll) {
        snapshot();
        state.parts[part].splice(index + 1, 0, [ll.lat, ll.lng]);
        state.active = part;
        added = true;
      }
      marker.on('dragstart', function (e) { add(e.target.getLatLng()); });
      marker.on('drag', function (e) {
        var ll = e.target.getLatLng();
        state.parts[part][index + 1] = [ll.lat, ll.lng];
        if (shapes[part]) shapes[part].setLatLngs(outline(part));
      });
      marker.on('dragend', function () { chosen = null; write(); redraw(); });
      marker.on('click', function (e) {
        if (!added) add(e.target.getLatLng());
        chosen = { part: part, index: index + 1 };
        write();
        redraw();
      });
      return marker;
    }

    function outline(part) {
      var ring = state.parts[part];
      if (ring.length < 3) return ring;
      var holes = (state.holes[part] || []).map(function (h) {
        return h.map(function (p) { return [p[1], p[0]]; });
      });
      return [ring].concat(holes);
    }

    var shapes = [];
    function redraw() {
      drawn.clearLayers();
      shapes = [];
      if (state.mode === 'point') {
        if (state.point) drawn.addLayer(vertex(state.point, -1, -1));
      } else {
        state.parts.forEach(function (ring, part) {
          var cls = 'zone-edit' + (part === state.active ? ' active' : '');
          var shape = null;
          if (ring.length >= 3) shape = L.polygon(outline(part), { className: cls, weight: 3 });
          else if (ring.length === 2) shape = L.polyline(ring, { className: cls, weight: 3 });
          shapes[part] = shape;
          if (shape) drawn.addLayer(shape);
          var sides = ring.length >= 3 ? ring.length : ring.length - 1;
          for (var side = 0; side < sides; side++) drawn.addLayer(midpoint(part, side));
          ring.forEach(function (ll, index) { drawn.addLayer(vertex(ll, part, index)); });
        });
      }
      var pointMode = state.mode === 'point';
      polygonButton.setAttribute('aria-pressed', String(!pointMode));
      pointButton.setAttribute('aria-pressed', String(pointMode));
      partButton.hidden = pointMode;
      removeButton.hidden = pointMode;
      undoButton.disabled = !history.length;
      removeButton.disabled = !chosen;
      var current = state.parts[state.active] || [];
      partButton.disabled = current.length < 3;
      hint.textContent = pointMode ? words.hintPoint : words.hintPolygon;
      if (!readable) hint.textContent = words.badText;
      else if (state.holes.some(function (h) { return h && h.length; })) {
        hint.textContent += ' ' + words.holes;
      }
      var counts = state.parts.map(function (r) { return r.length; }).filter(Boolean);
      status.textContent = pointMode || !counts.length ? '' : counts.map(function (n) {
        return format(words.corners, { n: n });
      }).join(' · ');
      box.setAttribute('data-corners', String(counts.reduce(function (a, b) { return a + b; }, 0)));
    }

    function removeCorner(part, index) {
      snapshot();
      state.parts[part].splice(index, 1);
      chosen = null;
      write();
      redraw();
    }

    map.on('click', function (e) {
      if (walk && walk.watching) return;
      snapshot();
      var ll = [e.latlng.lat, e.latlng.lng];
      if (state.mode === 'point') state.point = ll;
      else {
        if (!state.parts[state.active]) state.parts[state.active] = [];
        state.parts[state.active].push(ll);
      }
      chosen = null;
      write();
      redraw();
    });

    polygonButton.addEventListener('click', function () {
      if (state.mode === 'polygon') return;
      snapshot();
      state.mode = 'polygon';
      write();
      redraw();
    });
    pointButton.addEventListener('click', function () {
      if (state.mode === 'point') return;
      snapshot();
      state.mode = 'point';
      chosen = null;
      write();
      redraw();
    });
    partButton.addEventListener('click', function () {
      snapshot();
      state.parts.push([]);
      state.holes.push([]);
      state.active = state.parts.length - 1;
      chosen = null;
      redraw();
    });
    undoButton.addEventListener('click', function () {
      if (!history.length) return;
      var before = JSON.parse(history.pop());
      state = before.state;
      chosen = before.chosen;
      write();
      redraw();
    });
    removeButton.addEventListener('click', function () {
      if (chosen) removeCorner(chosen.part, chosen.index);
    });
    clearButton.addEventListener('click', function () {
      snapshot();
      var mode = state.mode;
      state = fromGeoJson('');
      state.mode = mode;
      chosen = null;
      write();
      redraw();
    });
    field.addEventListener('change', function () {
      var typed = fromGeoJson(field.value);
      readable = typed !== null;
      if (readable) {
        snapshot();
        state = typed;
        chosen = null;
        fit();
      }
      redraw();
    });

    /* walking the boundary */
    function showWalk() {
      walkList.textContent = '';
      walked.clearLayers();
      var points = walk.points;
      points.forEach(function (p, i) {
        var item = make('li', p.accuracy > POOR_ACCURACY_M ? 'poor' : '');
        item.appendChild(make('span', 'number', (i + 1) + '.'));
        item.appendChild(make('span', 'accuracy', format(words.accuracy, { m: Math.round(p.accuracy) })));
        if (p.accuracy > POOR_ACCURACY_M) item.appendChild(make('span', 'badge warn', words.poor));
        var drop = button(words.drop, 'drop');
        drop.addEventListener('click', function () {
          walk.points.splice(i, 1);
          showWalk();
        });
        item.appendChild(drop);
        walkList.appendChild(item);
        walked.addLayer(L.circleMarker(p.latlng, { radius: 5, className: 'walked' + (p.accuracy > POOR_ACCURACY_M ? ' poor' : '') }));
      });
      if (points.length > 1) walked.addLayer(L.polyline(points.map(function (p) { return p.latlng; }), { className: 'walked', weight: 2 }));
      walkCount.textContent = format(words.walked, { n: points.length });
      finishButton.disabled = points.length < 3;
    }

    function stopWalking() {
      if (walk && walk.watching) navigator.geolocation.clearWatch(walk.watch);
      if (walk) walk.watching = false;
      if (walk && walk.here) map.removeLayer(walk.here);
      stopButton.disabled = true;
      walkButton.disabled = false;
    }

    walkButton.addEventListener('click', function () {
      if (!navigator.geolocation) {
        hint.textContent = words.noGeolocation;
        return;
      }
      walk = walk || { points: [] };
      walk.watching = true;
      walkPanel.hidden = false;
      walkButton.disabled = true;
      stopButton.disabled = false;
      showWalk();
      walk.watch = navigator.geolocation.watchPosition(function (position) {
        var c = position.coords;
        var latlng = L.latLng(c.latitude, c.longitude);
        if (walk.here) walk.here.setLatLng(latlng).setRadius(c.accuracy);
        else walk.here = L.circle(latlng, { radius: c.accuracy, className: 'here' }).addTo(map);
        var last = walk.points[walk.points.length - 1];
        if (!last) map.setView(latlng, Math.max(map.getZoom(), 18));
        if (last && map.distance(last.latlng, latlng) < MIN_STEP_M) return;
        walk.points.push({ latlng: latlng, accuracy: c.accuracy });
        showWalk();
      }, function (error) {
        walkCount.textContent = error.code === 1 ? words.geoDenied : words.geoError;
        if (error.code === 1) stopWalking();
      }, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
    });
    stopButton.addEventListener('click', stopWalking);
    finishButton.addEventListener('click', function () {
      if (!walk || walk.points.length < 3) return;
      stopWalking();
      snapshot();
      state = fromGeoJson('');
      state.parts = [walk.points.map(function (p) { return [p.latlng.lat, p.latlng.lng]; })];
      walk = null;
      walked.clearLayers();
      walkPanel.hidden = true;
      chosen = null;
      write();
      redraw();
      fit();
    });

    function fit() {
      var layers = drawn.getLayers().filter(function (l) { return l.getBounds || l.getLatLng; });
      var bounds = L.latLngBounds([]);
      layers.forEach(function (l) { bounds.extend(l.getBounds ? l.getBounds() : l.getLatLng()); });
      if (!bounds.isValid()) return false;
      if (state.mode === 'point') map.setView(bounds.getCenter(), 16);
      else map.fitBounds(bounds, { maxZoom: 18, padding: [24, 24] });
      return true;
    }

    redraw();
    var fitted = fit();
    loadContext(map, box, settings, !fitted);
    box.setAttribute('data-ready', '1');
  }

  function start() {
    var boxes = document.querySelectorAll('.zone-map');
    Array.prototype.forEach.call(boxes, function (box) {
      var settings = readJson(box, 'data-map');
      var words = readJson(box, 'data-words');
      var target = box.getAttribute('data-editor');
      if (target) {
        var field = document.getElementById(target);
        if (field) editor(box, settings, words, field);
      } else {
        viewer(box, settings, words);
        box.setAttribute('data-ready', '1');
      }
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
