"""JavaScript the browser tests evaluate in the page (importable as ``_scripts``)."""

# Leaf layers drawn per overlay of the layer control (names are the control's HTML labels).
COUNT_DRAWN = """() => {
  const key = Object.keys(window).find(k => /^layer_control_[0-9a-f]+_layers$/.test(k));
  const out = {};
  for (const [name, group] of Object.entries(window[key].overlays)) {
    let n = 0;
    const walk = (layer) => {
      if (layer instanceof L.LayerGroup) { layer.eachLayer(walk); return; }
      const node = layer._icon || layer._path;
      if (layer._map && ((node && node.isConnected) || layer._renderer instanceof L.Canvas)) n++;
    };
    group.eachLayer(walk);
    out[name] = n;
  }
  return out;
}"""
