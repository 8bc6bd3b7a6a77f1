// Fills the hidden latitude/longitude of the follow-up form from the browser's location
// (asked once, when the user starts typing); the server also reads a photo's EXIF data.
(function () {
  "use strict";
  function locate(form) {
    if (form.dataset.located || !navigator.geolocation) return;
    form.dataset.located = "1";
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector('[data-geo="latitude"]').value = pos.coords.latitude.toFixed(6);
      form.querySelector('[data-geo="longitude"]').value = pos.coords.longitude.toFixed(6);
    }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest("form[data-geolocate]");
    if (form) locate(form);
  });
})();
