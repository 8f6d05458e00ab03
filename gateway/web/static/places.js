// "Près de moi" on the places' search (progressive enhancement: without it, type a point).
// The device's position fills the latitude and longitude, then the form is sent.
(function () {
  "use strict";
  var button = document.getElementById("pres-de-moi");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("lat").value = position.coords.latitude.toFixed(4);
      document.getElementById("lon").value = position.coords.longitude.toFixed(4);
      document.getElementById("recherche").submit();
    });
  });
})();
