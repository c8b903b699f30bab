// Read before the console's modules, as a classic script: if one of them cannot be loaded
// (the network failed half-way), the page says so in French and English and offers to
// reload, instead of waiting forever.
(function () {
  'use strict';
  function fail() {
    var main = document.querySelector('main');
    if (!main || window.passerelleStarted) return;
    var box = document.createElement('div');
    box.className = 'failure';
    box.setAttribute('role', 'alert');
    var fr = document.createElement('p');
    fr.textContent = 'La console n’a pas pu se charger entièrement : le hub est peut-être injoignable.';
    var en = document.createElement('p');
    en.lang = 'en';
    en.textContent = 'The console could not load completely: the hub may be out of reach.';
    var again = document.createElement('button');
    again.type = 'button';
    again.className = 'button';
    again.textContent = 'Recharger la page (Reload)';
    again.addEventListener('click', function () {
      window.location.reload();
    });
    box.append(fr, en, again);
    main.replaceChildren(box);
  }
  window.addEventListener(
    'error',
    function (event) {
      if (event.target && event.target.tagName === 'SCRIPT') fail();
    },
    true
  );
})();
