// A small map of the places listed on the page (progressive enhancement: the list is the page).
// Background tiles only when the operator sets MAILLAGE_MAP_TILES_URL: nothing else is fetched.
(function () {
  "use strict";
  var box = document.getElementById("carte");
  if (!box || !window.L) return;
  var items = document.querySelectorAll("#lieux [data-lat]");
  if (!items.length) return;
  box.hidden = false;
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = box.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
  var points = [];
  items.forEach(function (item) {
    var link = item.querySelector("a");
    var point = [parseFloat(item.getAttribute("data-lat")), parseFloat(item.getAttribute("data-lon"))];
    points.push(point);
    var marker = L.circleMarker(point, { radius: 8, color: "#1f5f3f", fillOpacity: 0.8 }).addTo(map);
    marker.bindTooltip(link.textContent);
    marker.on("click", function () { window.location.href = link.getAttribute("href"); });
  });
  map.fitBounds(points, { maxZoom: 12, padding: [20, 20] });
})();
