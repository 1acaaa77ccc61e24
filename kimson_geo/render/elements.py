"""The folium elements the map is made of (imported only when a map is drawn).

Each element writes its data with :func:`~kimson_geo.render.encode.dumps_js`, never with
folium's ``tojson`` (which would write Vietnamese as ``\\uXXXX``), and every piece of HTML
it carries was escaped in Python.

branca compiles what an element's macros render as a new Jinja template, so data rendered
by a folium macro is evaluated as Jinja: a name such as ``{{ 7*7 }}`` comes out as ``49``
(and ``{{ this.__init__... }}`` reaches Python).  These elements therefore render their
data through :class:`Raw`, which inserts text without parsing it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template

from .encode import dumps_js

__all__ = ["DataLayer", "Panel", "Raw", "RawMacroElement", "Runtime", "SearchHook",
           "SearchIndex", "Title"]


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


class Raw(Element):
    """Text put into the page as it is: never parsed as a Jinja template."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = text


class RawMacroElement(MacroElement):
    """A MacroElement whose rendered macros go into the page as :class:`Raw` text; its
    name (as in ``get_name``) and the attributes its template reads are given at once."""

    def __init__(self, name: str | None = None, **attributes: Any) -> None:
        super().__init__()
        self._name = name or self._name
        vars(self).update(attributes)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            if (macro := module.get(part)) is not None:
                getattr(figure, part).add_child(Raw(str(macro(self, kwargs))),
                                                name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class Runtime(RawMacroElement):
    """The page's small JavaScript runtime and CSS, and the map-wide setup.

    Add it to the map before any layer.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        ksGeo.setup({{ this._parent.get_name() }}, {{ this.options_js }});
        {% endmacro %}
        """)

    def __init__(self, *, attribution: str | None = None, notice: str | None = None) -> None:
        # notice: escaped HTML shown when basemap tiles fail to load (no network)
        super().__init__("KimsonRuntime", css=_asset("runtime.css").strip(),
                         js=_asset("runtime.js").strip(),
                         options_js=dumps_js({"attribution": attribution, "notice": notice}))


class DataLayer(RawMacroElement):
    """One encoded layer, drawn into its parent FeatureGroup.

    The data sits in a ``<script type="application/json">`` block (parsed with
    ``JSON.parse``, faster than a JavaScript literal of the same size).
    """

    _template = Template("""
        {% macro html(this, kwargs) %}
        <script type="application/json" id="{{ this.get_name() }}_data">
        {{- this.payload_js -}}
        </script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = ksGeo.layer(
            JSON.parse(document.getElementById("{{ this.get_name() }}_data").textContent),
            {{ this.layer_js }}).addTo({{ this._parent.get_name() }});
        {%- if this.legend_id %}
        ksGeo.section({{ this._parent.get_name() }}, {{ this.legend_js }});
        {%- endif %}
        {% endmacro %}
        """)

    def __init__(self, payload: dict[str, Any], *, layer: str, legend_id: str | None) -> None:
        super().__init__("KimsonLayer", payload_js=dumps_js(payload), layer_js=dumps_js(layer),
                         legend_id=legend_id, legend_js=dumps_js(legend_id))


class SearchIndex(folium.FeatureGroup):
    """A FeatureGroup of the data layers, for :class:`folium.plugins.Search` to index.

    It is not in the layer control; the search control adds it to the map, which adds
    nothing new (its members already are).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup([
            {%- for member in this.members %}
            {{ member.get_name() }}{{ "," if not loop.last }}
            {%- endfor %}
        ]);
        {% endmacro %}
        """)

    def __init__(self, members: list[DataLayer]) -> None:
        super().__init__(name="search", overlay=True, control=False, show=False)
        self._name = "KimsonSearchIndex"
        self.members = members


class SearchHook(RawMacroElement):
    """Opens the popup of the feature a search finds.

    folium's Search opens ``e.layer._popup``; the features share their layer's one popup,
    so this hands the found feature to ``ksGeo.open``.  Add it after the Search control.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        ksGeo.searchHook({{ this.index.get_name() }}searchControl);
        {% endmacro %}
        """)

    def __init__(self, index: SearchIndex) -> None:
        super().__init__("KimsonSearchHook", index=index)


class Panel(RawMacroElement):
    """A Leaflet control holding escaped HTML written into the page (legend, claims)."""

    _template = Template("""
        {% macro html(this, kwargs) %}
        <div id="{{ this.get_name() }}" class="ks-panel {{ this.css_class }}"
             style="display:none">{{ this.body }}</div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        ksGeo.{{ this.call }}({{ this._parent.get_name() }}, "{{ this.get_name() }}"
        {%- if this.position_js %},
                      {{ this.position_js }}{% endif %});
        {% endmacro %}
        """)

    def __init__(self, body: str, *, css_class: str, position: str | None = None,
                 name: str = "KimsonPanel") -> None:
        # without a position it is the title, which ksGeo.title centres at the top
        super().__init__(name, body=body, css_class=css_class,
                         call="control" if position else "title",
                         position_js=dumps_js(position) if position else None)


class Title(Panel):
    """The map's title (escaped), centred at the top."""

    def __init__(self, text: str) -> None:
        super().__init__(text, css_class="ks-title", name="KimsonTitle")
