"""Every component id of the app, in one place: pages, callbacks and browser tests use these names."""

from __future__ import annotations

# -- shell (every page) ---------------------------------------------------------------------------
URL = "url"
LANG = "lang-store"
SHELL = "shell"
PAGE = "page-content"
NAV = "nav"
LANG_LINKS = "lang-links"
FOOTER = "footer"
VIEW_SEARCH = "view-search"
COPY_LINK = "copy-link"

# -- map explorer ---------------------------------------------------------------------------------
MAP = "map"
MAP_2 = "map-compare"
MAP_ROW = "map-row"
LEGEND = "legend"
LEGEND_2 = "legend-compare"
LEVEL = "level"
INDICATOR = "indicator"
INDICATOR_2 = "indicator-compare"
SCHEME = "scheme"
CLASSES = "classes"
PALETTE = "palette"
COMPARE = "compare"
LISA = "lisa"
REGION = "region"
SEARCH = "search"
BREADCRUMB = "breadcrumb"
RANKING = "ranking"
QUESTION = "question-link"
MAP_NOTE = "map-note"

# -- commune profile ------------------------------------------------------------------------------
PROFILE_TITLE = "profile-title"
PROFILE_TABLE = "profile-table"
PROFILE_INDEX = "profile-index"
PROFILE_MODELLED = "profile-modelled"

# -- index builder --------------------------------------------------------------------------------
INDEX_WEIGHTS = "index-weights"
INDEX_NORMALISATION = "index-normalisation"
INDEX_AGGREGATION = "index-aggregation"
INDEX_MAP = "index-map"
INDEX_RANKING = "index-ranking"
INDEX_REGION = "index-region"
INDEX_LEGEND = "index-legend"

# -- deployment planner ---------------------------------------------------------------------------
PLAN_REGION = "plan-region"
PLAN_POINTS = "plan-points"
PLAN_CENTRES = "plan-centres"
PLAN_RADIUS = "plan-radius"
PLAN_EQUITY = "plan-equity"
PLAN_RUN = "plan-run"
PLAN_MAP = "plan-map"
PLAN_SUMMARY = "plan-summary"
PLAN_STORE = "plan-store"
PLAN_EXPORT_CSV = "plan-export-csv"
PLAN_EXPORT_GEOJSON = "plan-export-geojson"
PLAN_DOWNLOAD = "plan-download"
PLAN_EXPORT_REPORT = "plan-export-report"

# -- data and method ------------------------------------------------------------------------------
CATALOGUE = "catalogue"
SOURCES = "sources"
GEOREFERENCE = "georeference"
DOWNLOAD_INDICATOR = "download-indicator"
DOWNLOAD_FORMAT = "download-format"
DOWNLOAD_BUTTON = "download-button"
DOWNLOAD = "download"
