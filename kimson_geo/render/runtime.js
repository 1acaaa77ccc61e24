/* kimson_geo map runtime: draws layers from compact data whose strings are escaped HTML. */
(function () {
  "use strict";
  var KS = window.ksGeo = window.ksGeo || {layers: {}, groups: {}};
  var SCALE = 1e6, patterns = {}, defs = null;

  // ------------------------------------------------ geometries (see encode.py)
  // Coordinates are integer micro-degrees, each the difference from the previous one of
  // the layer; `at` carries the running position.  Leaflet layers are made directly from
  // them (L.geoJSON would first build and then convert GeoJSON arrays: 5x slower).
  function latlngs(a, at) {
    var out = new Array(a.length / 2);
    for (var i = 0, k = 0; i < a.length; i += 2, k++) {
      at[0] += a[i]; at[1] += a[i + 1];
      out[k] = new L.LatLng(at[1] / SCALE, at[0] / SCALE);
    }
    return out;
  }
  function rings(g, at) { return g.map(function (r) { return latlngs(r, at); }); }

  // [kind, latlngs]: kind 0 a point (or points), 1 a line, 2 a polygon.
  function shape(type, g, at) {
    switch (type) {
      case 0: return [0, latlngs(g, at)];
      case 1: return [1, latlngs(g, at)];
      case 2: return [2, rings(g, at)];
      case 3: return [0, [].concat.apply([], g.map(function (p) { return latlngs(p, at); }))];
      case 4: return [1, rings(g, at)];
      default: return [2, g.map(function (p) { return rings(p, at); })];
    }
  }

  // ------------------------------------------------ hatch patterns (SVG maps)
  function hatch(color, opacity) {
    var id = "ks-hatch-" + Object.keys(patterns).length;
    var key = color + "/" + opacity;
    if (patterns[key]) return patterns[key];
    var ns = "http://www.w3.org/2000/svg";
    if (!defs) {
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", "0"); svg.setAttribute("height", "0");
      svg.setAttribute("aria-hidden", "true");
      svg.style.position = "absolute";
      defs = document.createElementNS(ns, "defs");
      svg.appendChild(defs);
      document.body.appendChild(svg);
    }
    var p = document.createElementNS(ns, "pattern");
    p.setAttribute("id", id); p.setAttribute("patternUnits", "userSpaceOnUse");
    p.setAttribute("width", "8"); p.setAttribute("height", "8");
    p.setAttribute("patternTransform", "rotate(45)");
    var bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", "8"); bg.setAttribute("height", "8");
    bg.setAttribute("fill", color); bg.setAttribute("fill-opacity", String(opacity));
    var stripe = document.createElementNS(ns, "rect");
    stripe.setAttribute("width", "2.5"); stripe.setAttribute("height", "8");
    stripe.setAttribute("fill", color); stripe.setAttribute("fill-opacity", String(Math.min(1, opacity * 2.5)));
    p.appendChild(bg); p.appendChild(stripe); defs.appendChild(p);
    patterns[key] = "url(#" + id + ")";
    return patterns[key];
  }

  function pathStyle(s) {
    if (!s.hatch) return s;
    var out = {};
    for (var k in s) if (k !== "hatch") out[k] = s[k];
    out.fillColor = hatch(s.hatch, s.fillOpacity);
    out.fillOpacity = 1;
    return out;
  }

  // ------------------------------------------------ popups: escaped pieces only
  function cell(col, i) {
    var v = Array.isArray(col[1]) ? col[1][i] : col[1];
    if (v === null || v === undefined) return null;
    return col[0] ? col[0][v] : v;
  }

  function popupHtml(d, i) {
    var h = '<div class="ks-pop"><div class="ks-pop-t">' + d.n[i] + '</div><div class="ks-pop-l">' +
      d.label + "</div><table>";
    for (var j = 0; j < d.f.length; j++) {
      var v = cell(d.c[j], i);
      if (v === null || v === "") continue;
      h += "<tr><th>" + d.f[j][0] + "</th><td>" + v + (d.f[j][1] ? " " + d.f[j][1] : "") + "</td></tr>";
    }
    return h + "</table></div>";
  }

  // ------------------------------------------------ layers
  // One L.GeoJSON group per layer; every feature layer carries `feature` (its escaped
  // name under d.key, for search) and shares the group's one popup and tooltip.
  KS.layer = function (d, name) {
    var at = [0, 0], n = d.n.length, icons = {}, styles = {}, group = L.geoJSON(null);
    var points = false, shapes = false;
    function style(k) { return styles[k] || (styles[k] = pathStyle(d.s[k])); }
    function icon(k) {
      return icons[k] || (icons[k] = L.divIcon({
        html: d.ic[k], className: "ks-icon", iconSize: [24, 24], iconAnchor: [12, 12],
        popupAnchor: [0, -10], tooltipAnchor: [10, 0]}));
    }
    function point(latlng, k) {
      return d.ic && d.ic[k] ? L.marker(latlng, {icon: icon(k), keyboard: false})
                             : L.circleMarker(latlng, style(k));
    }
    function multipoint(latlngs, k) {
      var parent = L.featureGroup();
      latlngs.forEach(function (p) { var m = point(p, k); m._ksParent = parent; parent.addLayer(m); });
      return parent;
    }
    for (var i = 0; i < n; i++) {
      var k = typeof d.si === "number" ? d.si : d.si[i];
      var made = shape(typeof d.t === "number" ? d.t : d.t[i], d.g[i], at), layer;
      if (made[0] === 0) {
        points = true;
        layer = made[1].length === 1 ? point(made[1][0], k) : multipoint(made[1], k);
      } else {
        shapes = true;
        layer = made[0] === 1 ? L.polyline(made[1], style(k)) : L.polygon(made[1], style(k));
      }
      var props = {_i: i};
      props[d.key] = d.n[i];
      layer.feature = {type: "Feature", properties: props};
      layer._ksGroup = group;
      group.addLayer(layer);
    }
    group.bindPopup(function (layer) { return popupHtml(d, featureOf(layer).properties._i); },
                    {maxWidth: 380});
    group.bindTooltip(function (layer) { return d.n[featureOf(layer).properties._i]; },
                      {sticky: shapes && !points});
    if (name) KS.layers[name] = group;
    return group;
  };

  function featureOf(layer) {
    while (layer && !layer.feature) layer = layer._ksParent;
    return layer.feature;
  }

  // Open the popup of one feature layer (the search control finds layers, not groups).
  KS.open = function (layer) {
    var owner = layer;
    while (owner && !owner._ksGroup) owner = owner._ksParent;
    if (!owner || !owner._ksGroup._popup || !owner._map) return;
    var popup = owner._ksGroup._popup;
    popup._source = owner;
    owner._ksGroup.openPopup();
  };

  KS.searchHook = function (control) {
    control.on("search:locationfound", function (e) { if (e.layer && !e.layer._popup) KS.open(e.layer); });
  };

  // ------------------------------------------------ panels and page setup
  KS.control = function (map, id, position) {
    var el = document.getElementById(id);
    if (!el) return null;
    var Panel = L.Control.extend({
      onAdd: function () {
        L.DomEvent.disableClickPropagation(el);
        L.DomEvent.disableScrollPropagation(el);
        el.style.display = "";
        if (KS.small()) {
          var d = el.querySelectorAll("details");
          for (var i = 0; i < d.length; i++) d[i].removeAttribute("open");
        }
        return el;
      }
    });
    return new Panel({position: position}).addTo(map);
  };

  KS.title = function (map, id) {
    var el = document.getElementById(id);
    if (!el) return;
    L.DomEvent.disableClickPropagation(el);
    map.getContainer().appendChild(el);
    el.style.display = "";
  };

  KS.section = function (group, id) { group._ksLegend = id; KS.groups[id] = group; };

  // Small screens (phones): the legend and claims panels start collapsed to their title,
  // a button, so that the map itself is visible.
  KS.small = function () {
    return !!(window.matchMedia && window.matchMedia("(max-width: 640px)").matches);
  };

  function collapsePanels() {
    if (!KS.small()) return;
    var panels = document.querySelectorAll(".ks-panel details");
    for (var i = 0; i < panels.length; i++) panels[i].removeAttribute("open");
  }

  // A notice when basemap tiles fail (no network): the vector layers draw regardless.
  function tileNotice(map, html) {
    var shown = false;
    function show() {
      if (shown || !html) return;
      shown = true;
      var el = L.DomUtil.create("div", "ks-panel ks-notice");
      el.setAttribute("role", "status");
      el.innerHTML = html;  // escaped in Python
      map.getContainer().appendChild(el);
      KS.notice = el;
    }
    function watch(layer) {
      if (layer instanceof L.TileLayer && !layer._ksWatched) {
        layer._ksWatched = true;
        layer.on("tileerror", show);
      }
    }
    map.eachLayer(watch);
    map.on("layeradd", function (e) { watch(e.layer); });
  }

  KS.setup = function (map, options) {
    KS.map = map;
    tileNotice(map, options.notice);
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", collapsePanels);
    else setTimeout(collapsePanels, 0);
    if (options.attribution && map.attributionControl) map.attributionControl.addAttribution(options.attribution);
    function toggle(e, show) {
      var id = e.layer && e.layer._ksLegend;
      if (!id) return;
      var el = document.querySelector('[data-ks-legend="' + id + '"]');
      if (el) el.style.display = show ? "" : "none";
    }
    map.on("overlayadd", function (e) { toggle(e, true); });
    map.on("overlayremove", function (e) { toggle(e, false); });
  };
})();
