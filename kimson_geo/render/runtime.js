/* kimson_geo map runtime: draws layers from compact data whose strings are escaped HTML. */
(function () {
  "use strict";
  var KS = window.ksGeo = window.ksGeo || {layers: {}, groups: {}};
  var SCALE = 1e6, patterns = {}, defs = null;

  // ------------------------------------------------ geometries (see encode.py)
  function decode(type, g, at) {
    function pt(a, i) { at[0] += a[i]; at[1] += a[i + 1]; return [at[0] / SCALE, at[1] / SCALE]; }
    function line(a) { var out = []; for (var i = 0; i < a.length; i += 2) out.push(pt(a, i)); return out; }
    function poly(rings) { return rings.map(function (r) { return line(r); }); }
    switch (type) {
      case 0: return {type: "Point", coordinates: pt(g, 0)};
      case 1: return {type: "LineString", coordinates: line(g)};
      case 2: return {type: "Polygon", coordinates: poly(g)};
      case 3: return {type: "MultiPoint", coordinates: g.map(function (p) { return pt(p, 0); })};
      case 4: return {type: "MultiLineString", coordinates: g.map(function (l) { return line(l); })};
      default: return {type: "MultiPolygon", coordinates: g.map(function (p) { return poly(p); })};
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
  KS.layer = function (d, name) {
    var at = [0, 0], n = d.n.length, feats = new Array(n), icons = {}, styles = {};
    for (var i = 0; i < n; i++) {
      var props = {_i: i};
      props[d.key] = d.n[i];
      feats[i] = {type: "Feature", properties: props,
                  geometry: decode(typeof d.t === "number" ? d.t : d.t[i], d.g[i], at)};
    }
    function si(i) { return typeof d.si === "number" ? d.si : d.si[i]; }
    function style(k) { return styles[k] || (styles[k] = pathStyle(d.s[k])); }
    var layer = L.geoJSON({type: "FeatureCollection", features: feats}, {
      style: function (f) { return style(si(f.properties._i)); },
      pointToLayer: function (f, latlng) {
        var k = si(f.properties._i);
        if (d.ic && d.ic[k]) {
          icons[k] = icons[k] || L.divIcon({html: d.ic[k], className: "ks-icon", iconSize: [24, 24],
                                            iconAnchor: [12, 12], popupAnchor: [0, -10], tooltipAnchor: [10, 0]});
          return L.marker(latlng, {icon: icons[k], keyboard: false});
        }
        return L.circleMarker(latlng, style(k));
      },
      onEachFeature: function (f, l) {
        var i = f.properties._i;
        if (d.n[i]) l.bindTooltip(d.n[i], {sticky: !(l instanceof L.Marker)});
        l.bindPopup(function () { return popupHtml(d, i); }, {maxWidth: 380});
      }
    });
    if (name) KS.layers[name] = layer;
    return layer;
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

  KS.setup = function (map, options) {
    KS.map = map;
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
