/* A filter box for long lists of check boxes (<fieldset class="pick-list">): type part of a
 * member number or a name and only the matching households stay in view; ticked ones are
 * counted. Without scripts the list is plain check boxes. Plain JavaScript, no build step. */
(function () {
  'use strict';
  if (!document.querySelectorAll) return;

  function fold(text) {
    // Vietnamese names are found without their accents ("nguyen" finds "Nguyễn").
    return String(text).toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd');
  }

  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function enhance(fieldset, n) {
    var said = {};
    try {
      said = JSON.parse(fieldset.getAttribute('data-words') || '{}');
    } catch (err) { /* the words are optional */ }
    var items = Array.prototype.slice.call(fieldset.querySelectorAll('li'));
    if (!items.length) return;
    var box = document.createElement('input');
    box.type = 'search';
    box.id = 'pick-filter-' + n;
    box.className = 'pick-filter';
    box.setAttribute('autocomplete', 'off');
    var label = document.createElement('label');
    label.htmlFor = box.id;
    label.textContent = said.filter || '';
    var count = document.createElement('p');
    count.className = 'pick-count muted';
    count.setAttribute('aria-live', 'polite');
    var legend = fieldset.querySelector('legend');
    var after = legend ? legend.nextSibling : fieldset.firstChild;
    fieldset.insertBefore(label, after);
    fieldset.insertBefore(box, after);
    fieldset.insertBefore(count, after);
    var keys = items.map(function (li) { return fold(li.textContent); });

    function update() {
      var words = fold(box.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (li, i) {
        var ticked = li.querySelector('input:checked');
        var match = words.every(function (w) { return keys[i].indexOf(w) >= 0; });
        li.hidden = !(match || ticked);
        if (!li.hidden) shown += 1;
      });
      var ticked = fieldset.querySelectorAll('input[type=checkbox]:checked').length;
      var text = format(said.ticked || '', { n: ticked });
      if (words.length) {
        text += ' · ' + format(said.shown || '', { n: shown, total: items.length });
      }
      count.textContent = text;
    }

    box.addEventListener('input', update);
    // Enter in the filter box must not send the form.
    box.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') e.preventDefault();
    });
    fieldset.addEventListener('change', update);
    update();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('fieldset.pick-list'), enhance);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
