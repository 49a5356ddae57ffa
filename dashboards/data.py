"""
What the app reads, through the library's query layer, cached per app: the database does not change
while a server runs, and a callback must answer in well under 100 ms. Nothing here computes a
statistic; classes and ranks come from `observatory.classify`.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from observatory import attribution, query, registry, results, spatial
from observatory.classify import Classes, classify, ranking
from observatory.database import Database
from observatory.enums import LANGUAGES, MAP_LEVELS
from observatory.profile import commune_profile
from observatory.service_mix import service_mix

from .i18n import other_name, place_name

#: Decimal places kept in map coordinates: 3 is ~100 m, finer than a commune map can show.
PRECISION = {"low": 3, "medium": 4}

#: Indicators that explain a commune's need for an assisted digital service point, in display order.
NEED_DRIVERS = (
    "illiteracy_rate_10_plus",
    "internet_use_15_plus",
    "households_distance_to_paved_road_km",
    "equipment_internet",
    "disability_prevalence",
    "amenities_electricity",
)

#: The composite index, offered on the map beside the registry's indicators (it lives in `index_score`).
INDEX_ID = "fragility_index"
INDEX_YEAR = 2024
#: LISA cluster names as the analytics results store them -> the app's short codes.
#: Fewer units than this and a local cluster means little (12 régions): the app says so instead.
LISA_MIN_UNITS = 30
LISA_CODES = {"high-high": "HH", "low-low": "LL", "high-low": "HL", "low-high": "LH", "not significant": "ns"}


def fold(text: str) -> str:
    """Text without accents, Arabic short vowels or case, apostrophes and dashes as spaces: what a search
    compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s'’ʼ`\-]+", " ", bare.casefold()).strip()


def _rings(coords: Any, digits: int) -> Any:
    """The coordinates with each ring an (n, 2) array, rounded as Python rounds: a figure deep-copies its
    GeoJSON and encodes it as JSON, which costs one Python object per number in nested lists but one copy
    per ring in arrays (the JSON is the same)."""
    if isinstance(coords[0][0], (float, int)):
        return np.array([[round(float(p[0]), digits), round(float(p[1]), digits)] for p in coords])
    return [_rings(c, digits) for c in coords]


def feature_collection(frame: pd.DataFrame, detail: str) -> dict[str, Any]:
    """A FeatureCollection of web geometry rows (code, geometry), keyed by code, coordinates rounded."""
    import shapely

    digits = PRECISION[detail]
    # d3-geo (plotly's geo) reads a counter-clockwise ring as "the whole globe but this":
    # exteriors go clockwise.
    geometries = shapely.orient_polygons(frame.geometry.values, exterior_cw=True)
    features = []
    for code, geom in zip(frame.code, geometries, strict=True):
        mapping = geom.__geo_interface__
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": {"type": mapping["type"], "coordinates": _rings(mapping["coordinates"], digits)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


class AppData:
    """Cached reads of one database for the app."""

    #: Whether the server lets the app save plans (`observatory serve --allow-writes`), and the token a
    #: save must carry; set by `create_app`.
    allow_writes: bool = False
    write_token: str | None = None

    def __init__(self, db: Database) -> None:
        self.db = db
        # Bound per instance, so two apps on two databases never share a cache entry.
        self.catalogue = lru_cache(maxsize=1)(self._catalogue)
        self.catalogue_rows = lru_cache(maxsize=1)(self._catalogue_rows)
        self.units = lru_cache(maxsize=8)(self._units)
        self.geojson = lru_cache(maxsize=8)(self._geojson)
        self.province_geojson = lru_cache(maxsize=32)(self._province_geojson)
        self.values = lru_cache(maxsize=512)(self._values)
        self.aligned = lru_cache(maxsize=256)(self._aligned)
        self.known = lru_cache(maxsize=1)(self._known)
        self.value_map = lru_cache(maxsize=512)(self._value_map)
        self.sources = lru_cache(maxsize=1)(self._sources)
        self.source_line = lru_cache(maxsize=256)(self._source_line)
        self.country_code = lru_cache(maxsize=1)(self._country_code)
        self.index_frame = lru_cache(maxsize=16)(self._index_frame)
        self.explained = lru_cache(maxsize=16)(self._explained)
        self.lisa = lru_cache(maxsize=4)(self._lisa)
        self.has_index = lru_cache(maxsize=1)(self._has_index)
        self.indicator = lru_cache(maxsize=1024)(self._indicator)
        self.latest_year = lru_cache(maxsize=1024)(self._latest_year)
        self.search_index = lru_cache(maxsize=3)(self._search_index)
        self.names = lru_cache(maxsize=16)(self._names)
        self.national_classes = lru_cache(maxsize=256)(self._national_classes)
        self.national_ranking = lru_cache(maxsize=256)(self._national_ranking)
        self.national_ranks = lru_cache(maxsize=256)(self._national_ranks)
        self.positions = lru_cache(maxsize=64)(self._positions)
        self.lisa_of = lru_cache(maxsize=64)(self._lisa_of)
        self.weights = lru_cache(maxsize=8)(self._weights)
        self.towns = lru_cache(maxsize=1)(self._towns)
        self.outlines = lru_cache(maxsize=8)(self._outlines)
        self.has_mix = lru_cache(maxsize=1)(self._has_mix)
        self.mix_table = lru_cache(maxsize=4)(self._mix_table)
        self.mix = lru_cache(maxsize=16)(self._mix)
        self.mix_classes = lru_cache(maxsize=64)(self._mix_classes)
        self.mix_ranking = lru_cache(maxsize=16)(self._mix_ranking)
        self.commune_profile = lru_cache(maxsize=64)(self._commune_profile)
        self.divided = lru_cache(maxsize=1)(self._divided)

    def warm(self) -> None:
        """Read what the first page needs (and import the classifier), so the first visitor does not wait:
        `observatory serve` calls it before it listens."""
        import mapclassify  # noqa: F401 - its import (scipy.stats) takes seconds

        indicator, year = self.default_indicator()
        self.indicator(indicator, year)
        self.sources()
        self.country_code()
        for level in MAP_LEVELS:  # the first map, and the same indicator a level up
            self.units(level)
            self.geojson(level, "low")
            for lang in LANGUAGES:  # every map and ranking names its units
                self.names(level, lang)
            self.national_ranking(indicator, year, level)
        self.towns()
        self.known()
        self.divided()  # every profile asks whether its commune is divided
        if self.has_mix():  # and shows its commune's service mix
            self.mix_table("commune")
        for driver in NEED_DRIVERS:  # every ranking shows them, beside the country's value
            latest = self.latest_year(driver)
            if latest is not None:
                for level in (*MAP_LEVELS, "country"):
                    self.value_map(driver, latest, level)
        # What is read now stays for the server's life: out of the collector's full rounds, each of which
        # walked it again (0.1-0.25 s in the middle of a request, the profile's and the map's slowest).
        gc.freeze()

    # -- analytics results (index, LISA) ------------------------------------------------------------
    def _has_index(self) -> bool:
        return "index_score" in self.db.tables()

    def _index_frame(self, level: str, lang: str = "fr") -> pd.DataFrame:
        """The index of a level: code, index, rank, 90% rank interval, score interval, explanation."""
        return results.fragility_index(level, db=self.db, lang=lang)

    def _lisa(self, variable: str = INDEX_ID) -> pd.Series:
        """code -> HH, LL, HL, LH or ns (FDR-adjusted), for the communes."""
        if "lisa_cluster" not in self.db.tables():
            return pd.Series(dtype=str)
        frame = results.lisa_clusters(db=self.db, variable=variable)
        return frame.set_index("code")["cluster"].map(LISA_CODES).fillna("ns")

    def explanations(self, level: str, lang: str, codes: list[str]) -> dict[str, str]:
        if not self.has_index() or level not in MAP_LEVELS:
            return {}
        explained = self.explained(level, lang)
        return {code: explained[code] for code in codes if code in explained}

    def _explained(self, level: str, lang: str) -> dict[str, str]:
        """code -> the explanation of its index rank, for the units of a level that have one."""
        frame = self.index_frame(level, lang)
        explained: dict[str, str] = frame.set_index("code")["explanation"].dropna().to_dict()
        return explained

    # -- dictionary and sources ---------------------------------------------------------------------
    def _catalogue(self) -> pd.DataFrame:
        frame = query.catalogue(db=self.db)
        frame = frame.sort_values(["topic", "indicator_id", "year"], kind="stable")
        if self.has_index():
            from observatory import registry

            index = pd.DataFrame(
                [
                    {
                        "indicator_id": INDEX_ID,
                        "year": INDEX_YEAR,
                        "topic": "index",
                        "unit": "score",
                        "label_fr": "Indice de fragilité numérique (0-100)",
                        "label_en": "Digital fragility index (0-100)",
                        "definition": "Higher = more fragile; rank 1 = most fragile. See Data and method.",
                        "source_id": registry.ANALYTICS_SOURCE,
                        "licence": registry.DERIVED_LICENCE,
                    }
                ]
            )
            frame = pd.concat([index, frame], ignore_index=True)
        return frame.reset_index(drop=True)

    def _sources(self) -> pd.DataFrame:
        return query.sources(db=self.db)

    def _latest_year(self, indicator_id: str) -> int | None:
        years = self.catalogue().year[self.catalogue().indicator_id == indicator_id]
        return int(years.max()) if len(years) else None

    def _names(self, level: str, lang: str) -> dict[str, str]:
        """code -> the unit's name in `lang` (Arabic names in Arabic)."""
        return {row["code"]: place_name(row, lang) for row in self.units(level).to_dict("records")}

    def _indicator(self, indicator_id: str, year: int) -> dict[str, Any]:
        """The dictionary row of an indicator and year (empty if unknown)."""
        position = self.catalogue_rows().get((indicator_id, int(year)))
        return {} if position is None else self.catalogue().iloc[position].to_dict()

    def _catalogue_rows(self) -> dict[tuple[str, int], int]:
        """(indicator, year) -> the position of its first row in the catalogue: a look-up, where comparing
        the catalogue's columns cost 7 ms per indicator."""
        cat = self.catalogue()
        rows: dict[tuple[str, int], int] = {}
        for position, key in enumerate(zip(cat.indicator_id, cat.year.astype(int).tolist(), strict=True)):
            rows.setdefault(key, position)
        return rows

    def _source_line(self, source_id: str | None, lang: str = "fr") -> str:
        """'Publisher, dataset (licence)' of a source in `lang`, short enough for a legend."""
        src = self.sources()
        rows = src[src.source_id == source_id]
        if not len(rows):
            return str(source_id or "")
        return attribution.source_line(rows.iloc[0].to_dict(), lang)

    def direction(self, indicator_id: str) -> str:
        """higher_is_worse, higher_is_better or neutral, as the registry declares (the index: worse)."""
        if indicator_id == INDEX_ID:
            return "higher_is_worse"
        return registry.get(indicator_id).direction if registry.is_registered(indicator_id) else "neutral"

    def has(self, indicator_id: str, year: int | str | None = None) -> bool:
        return (indicator_id, None if year is None or year == "" else int(year)) in self.known()

    def _known(self) -> frozenset[tuple[str, int | None]]:
        """(indicator, year) of every catalogue row, and (indicator, None) of every indicator."""
        cat = self.catalogue()
        pairs = set(zip(cat.indicator_id, cat.year.astype(int).tolist(), strict=True))
        return frozenset(pairs | {(indicator, None) for indicator, _ in pairs})

    def default_indicator(self) -> tuple[str, int]:
        """The composite index if the database has one, else the illiteracy rate: what "need" first means."""
        if self.has_index():
            return INDEX_ID, INDEX_YEAR
        cat = self.catalogue()
        hit = cat[cat.indicator_id == "illiteracy_rate_10_plus"]
        row = hit.sort_values("year").iloc[-1] if len(hit) else cat.iloc[0]
        return str(row.indicator_id), int(row.year)

    # -- units and geometry -------------------------------------------------------------------------
    def _units(self, level: str) -> pd.DataFrame:
        frame = query.units(level, db=self.db, geometry=False)
        keep = [
            c
            for c in ("code", "name_fr", "name_ar", "region_code", "province_code", "type", "population_2024")
            if c in frame.columns
        ]
        return frame[keep].reset_index(drop=True)

    def _search_index(self, lang: str) -> pd.DataFrame:
        """Every commune with its label ('name · الاسم — province') and the folded text a search matches."""
        communes = self.units("commune")
        provinces = self.names("province", lang)
        labels = [
            f"{place_name(row, lang)} · {other_name(row, lang)} — {provinces.get(row['province_code'], '')}"
            for row in communes.to_dict("records")
        ]
        return pd.DataFrame(
            {"code": communes.code, "label": labels, "folded": [fold(label) for label in labels]}
        )

    def search(self, text: str | None, lang: str, *, limit: int = 30) -> list[dict[str, str]]:
        """Communes whose French or Arabic name or province holds every word typed, ignoring accents and
        case ('Aït' finds 'Ait'); each option names its province, as several communes share a name."""
        words = fold(text or "").split()
        if not words:
            return []
        index = self.search_index(lang)
        hit = np.ones(len(index), dtype=bool)
        for word in words:
            hit &= index.folded.str.contains(word, regex=False).to_numpy()
        found = index[hit]
        # Names that start with what was typed first, then the others, each alphabetically.
        starts = found.folded.str.startswith(words[0])
        found = pd.concat([found[starts], found[~starts]]).head(limit)
        return [
            {"label": label, "value": code, "search": text or ""}
            for code, label in zip(found.code, found.label, strict=True)
        ]

    def _country_code(self) -> str:
        return str(self._units("country").code.iloc[0])

    def scope(self, level: str, *, region: str = "", province: str = "") -> pd.DataFrame:
        """The units a map shows: a level, within a province or a région when they are given."""
        frame = self.units(level)
        if province and level == "commune":
            frame = frame[frame.province_code == province]
        elif region and level in ("province", "commune"):
            frame = frame[frame.region_code == region]
        return frame.reset_index(drop=True)

    def _geojson(self, level: str, detail: str = "low") -> dict[str, Any]:
        """A FeatureCollection of the level's web geometry, keyed by unit code, coordinates rounded."""
        return feature_collection(query.web_geometry(level, detail=detail, db=self.db), detail)

    def _province_geojson(self, province: str, detail: str = "low") -> dict[str, Any]:
        """The communes of one province (a locator map), cut from the country's: read once per server, the
        country's GeoJSON makes every later profile's map free, where a read per province cost 0.1 s."""
        return self.geojson_for("commune", self.scope("commune", province=province).code.tolist(), detail)

    def geojson_for(self, level: str, codes: list[str], detail: str = "low") -> dict[str, Any]:
        full = self.geojson(level, detail)
        if len(codes) == len(full["features"]):
            return full
        wanted = set(codes)
        return {"type": "FeatureCollection", "features": [f for f in full["features"] if f["id"] in wanted]}

    # -- values ---------------------------------------------------------------------------------------
    def _values(self, indicator_id: str, year: int, level: str) -> pd.DataFrame:
        """unit_code -> value, bounds, status, source_id for an indicator-year-level (both sexes, total)."""
        if indicator_id == INDEX_ID:
            from observatory import registry

            if level == "country":
                return pd.DataFrame(columns=["value", "lower", "upper", "status", "source_id", "unit"])
            index = self.index_frame(level, "fr")
            return pd.DataFrame(
                {
                    "value": index["index"].to_numpy(float),
                    "lower": index["score_lower"].to_numpy(float),
                    "upper": index["score_upper"].to_numpy(float),
                    "status": "derived",
                    "source_id": registry.ANALYTICS_SOURCE,
                    "unit": "score",
                },
                index=pd.Index(index["code"], name="unit_code"),
            )
        frame = query.indicator_values(indicator_id, db=self.db, level=level, year=int(year))
        frame = frame.drop_duplicates("unit_code").set_index("unit_code")
        return frame[["value", "lower", "upper", "status", "source_id", "unit"]]

    def series(self, indicator_id: str, year: int, level: str, codes: pd.Series | list[str]) -> np.ndarray:
        """Values aligned on `codes` (NaN where missing)."""
        return self.aligned(indicator_id, int(year), level, tuple(codes))[0].copy()

    def statuses(self, indicator_id: str, year: int, level: str, codes: pd.Series | list[str]) -> np.ndarray:
        """Value statuses (published, modelled, simulated...) aligned on `codes` (None where missing)."""
        return self.aligned(indicator_id, int(year), level, tuple(codes))[1].copy()

    def _aligned(
        self, indicator_id: str, year: int, level: str, codes: tuple[str, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(values, statuses) aligned on `codes`: a map's units are one of a few scopes, and aligning 1,503
        codes costs more than the rest of a change of indicator."""
        frame = self.values(indicator_id, year, level).reindex(list(codes))
        return frame["value"].to_numpy(dtype="float64"), frame["status"].astype(object).to_numpy()

    def _national_classes(self, indicator_id: str, year: int, level: str, scheme: str, k: int) -> Classes:
        """Classes of every unit of the level in Morocco, in `units(level)` order: what a map colours by
        default, so a colour means the same value in every view."""
        return classify(self.series(indicator_id, year, level, self.units(level).code), scheme=scheme, k=k)

    def _positions(self, level: str, codes: tuple[str, ...]) -> np.ndarray:
        """Where each of `codes` (units of the level) stands in `units(level)`: a view's rows of the national
        classes."""
        where = {code: i for i, code in enumerate(self.units(level).code)}
        return np.array([where[code] for code in codes], dtype=int)

    def _national_ranks(self, indicator_id: str, year: int, level: str, codes: tuple[str, ...]) -> np.ndarray:
        """The national need rank of each of `codes` (NaN where unranked)."""
        ranks = self.national_ranking(indicator_id, year, level)["rank"].reindex(list(codes))
        aligned: np.ndarray = ranks.to_numpy(dtype="float64", na_value=np.nan)
        return aligned

    def _national_ranking(self, indicator_id: str, year: int, level: str) -> pd.DataFrame:
        """Every unit of the level with its value and need rank among all of Morocco's (1 = most in need),
        indexed by code."""
        codes = self.units(level).code
        values = pd.Series(self.series(indicator_id, year, level, codes), index=codes.to_numpy())
        if indicator_id == INDEX_ID:
            # The index's ranks are the analysis's: unranked units (too few residents, mostly imputed) keep
            # their score but no rank, and every surface says the same 'n / N'.
            index = self.index_frame(level, "fr").set_index("code")
            frame = pd.DataFrame(
                {"value": values, "rank": index["rank"].reindex(values.index).astype("Int64")}
            )
            frame["ranked"] = int(frame["rank"].notna().sum())
            return frame.rename_axis("code").sort_values(["rank"], na_position="last", kind="stable")
        return ranking(values, direction=self.direction(indicator_id)).set_index("code")

    def _weights(self, level: str, codes: tuple[str, ...]) -> spatial.ContiguityWeights:
        """Queen contiguity between the units `codes` of a level, on the map geometry (whose neighbours
        share their borders exactly)."""
        geometry = query.web_geometry(level, db=self.db)
        return spatial.ContiguityWeights.from_geodataframe(geometry[geometry.code.isin(codes)])

    def _lisa_of(self, indicator_id: str, year: int, level: str) -> pd.Series:
        """code -> HH, LL, HL, LH or ns for the indicator over every unit of the level that has a value:
        the index's clusters as the analysis stored them, any other indicator's from the library's local
        Moran (same permutations and false-discovery-rate control)."""
        if indicator_id == INDEX_ID and level == "commune":
            stored = self.lisa()
            if len(stored):
                return stored
        codes = self.units(level).code
        values = pd.Series(self.series(indicator_id, year, level, codes), index=codes.to_numpy(), name="v")
        values = values.dropna()
        if len(values) < LISA_MIN_UNITS or values.nunique() < 2:
            return pd.Series(dtype=str)
        # 9,999 permutations without the published analysis's refinement rounds: a second, not ten.
        clusters = spatial.lisa(values, self.weights(level, tuple(values.index)), refine=())
        return clusters.set_index("code")["cluster"].map(LISA_CODES).fillna("ns")

    def _towns(self) -> pd.DataFrame:
        """The GeoNames towns matched to a commune, largest first (labels for orientation)."""
        return query.towns(db=self.db)

    def _outlines(self, level: str) -> dict[str, tuple[list[float | None], list[float | None]]]:
        """code -> (lons, lats) of each unit's rings at the map's precision, None between rings: the
        outlines drawn over a finer level."""
        out: dict[str, tuple[list[float | None], list[float | None]]] = {}
        for feature in self.geojson(level, "low")["features"]:
            geometry = feature["geometry"]
            polygons = (
                geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            )
            lons: list[float | None] = []
            lats: list[float | None] = []
            for polygon in polygons:
                for ring in polygon[:1]:  # exteriors: holes are other units' outlines
                    lons += [*ring[:, 0].tolist(), None]
                    lats += [*ring[:, 1].tolist(), None]
            out[feature["id"]] = (lons, lats)
        return out

    def _divided(self) -> frozenset[str]:
        """The codes of the communes divided into arrondissements (a handful of cities): a profile of any
        other commune has none to read."""
        if "arrondissement" not in self.db.tables():
            return frozenset()
        return frozenset(query.units("arrondissement", db=self.db, geometry=False)["commune_code"])

    def _commune_profile(self, code: str) -> pd.DataFrame:
        """The library's profile of a commune, kept for the same commune in another language or again."""
        return commune_profile(code, db=self.db)

    # -- the AI service mix ---------------------------------------------------------------------------
    def _has_mix(self) -> bool:
        return "service_mix" in self.db.tables()

    def _mix_table(self, level: str) -> pd.DataFrame:
        """Every unit and segment of a level's service mix (both sexes, both areas)."""
        return service_mix(level, db=self.db)

    def _mix(self, segment: str, level: str) -> pd.DataFrame:
        """unit_code -> the segment's share of the unit's adults 15+ as a percentage (`value`), its people
        (central) and their bounds, the adults, the status and the input years, for every unit of a level."""
        table = self.mix_table(level)
        frame = table[table["segment"] == segment].drop_duplicates("unit_code").set_index("unit_code")
        return frame.assign(value=100 * frame["share"])

    def mix_series(self, segment: str, level: str, codes: pd.Series | list[str]) -> pd.DataFrame:
        """The segment's rows aligned on `codes` (NaN where a unit has no adults counted)."""
        return self.mix(segment, level).reindex(list(codes))

    def _mix_classes(self, segment: str, level: str, scheme: str, k: int) -> Classes:
        """Classes of the segment's share over every unit of the level in Morocco, in `units(level)` order."""
        values = self.mix_series(segment, level, self.units(level).code)["value"]
        return classify(values.to_numpy(dtype="float64"), scheme=scheme, k=k)

    def _mix_ranking(self, segment: str, level: str) -> pd.DataFrame:
        """Every unit of the level with the segment's share and its rank in Morocco (1 = largest share),
        indexed by code."""
        codes = self.units(level).code
        values = pd.Series(self.mix_series(segment, level, codes)["value"].to_numpy(), index=codes.to_numpy())
        return ranking(values, direction="neutral").set_index("code")

    def _value_map(self, indicator_id: str, year: int, level: str) -> dict[str, float]:
        """unit code -> value, for the look-ups of one unit at a time (a ranking's rows, a table's head)."""
        values: dict[str, float] = self.values(indicator_id, year, level)["value"].astype(float).to_dict()
        return values

    def unit_value(self, indicator_id: str, year: int, level: str, code: str) -> float:
        return self.value_map(indicator_id, int(year), level).get(code, float("nan"))
