"""Spatial statistics on the built commune polygons: weights, Moran's I, LISA with FDR."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import observatory as obs
from observatory import spatial
from observatory.errors import ValidationError


def _grid_with_island() -> gpd.GeoDataFrame:
    cells = [box(i, j, i + 1, j + 1) for i in range(3) for j in range(3)] + [box(10, 10, 11, 11)]
    return gpd.GeoDataFrame({"code": [f"c{i}" for i in range(10)]}, geometry=cells, crs="EPSG:4326")


def test_islands_get_their_nearest_neighbour():
    w = spatial.ContiguityWeights.from_geodataframe(_grid_with_island())
    assert w.islands == ["c9"]
    assert w.w.cardinalities[9] == 1 and w.w.cardinalities[4] == 8  # centre cell: queen neighbours


def _libpysal_queen(geometries: np.ndarray) -> dict[int, list[int]]:
    from libpysal import weights as lw

    frame = gpd.GeoDataFrame(geometry=list(geometries), crs="EPSG:4326")
    return lw.Queen.from_dataframe(frame, use_index=False, silence_warnings=True).neighbors


def test_queen_neighbours_are_libpysals_in_its_order():
    import shapely

    # A Voronoi coverage of 400 random points (shared vertices, neighbour lists long enough for set
    # hashes to collide), with two cells joined into a MultiPolygon and a cell holed by a smaller one.
    points = shapely.multipoints(np.random.default_rng(3).uniform(-9, -1, (400, 2)))
    cells = list(shapely.get_parts(shapely.voronoi_polygons(points, extend_to=shapely.box(-10, -10, 0, 0))))
    cells = [shapely.intersection(c, shapely.box(-9.5, -9.5, -0.5, -0.5)) for c in cells]
    cells[7] = shapely.MultiPolygon([cells[7], cells.pop(300)])
    inner = shapely.buffer(shapely.centroid(cells[20]), 0.01)
    cells[20] = shapely.difference(cells[20], inner)
    cells.append(inner)
    ours = spatial.queen_neighbours(np.array(cells, dtype=object))
    theirs = _libpysal_queen(np.array(cells, dtype=object))
    assert list(ours) == list(theirs)
    assert all(ours[i] == theirs[i] for i in theirs)  # same lists, same order
    assert any(found != sorted(found) for found in theirs.values())  # the order is not just sorted
    assert ours[len(cells) - 1] == [20]


def test_queen_neighbours_of_the_communes_are_libpysals(built_db):
    geometry = built_db.read("commune", columns=["code", "geometry"]).geometry.values
    ours, theirs = spatial.queen_neighbours(geometry), _libpysal_queen(geometry)
    assert list(ours) == list(theirs) and all(ours[i] == theirs[i] for i in theirs)


def test_missing_geometry_is_refused():
    grid = _grid_with_island()
    grid.loc[0, "geometry"] = None
    with pytest.raises(ValidationError, match=r"1 units without geometry \(first: \['c0'\]\)"):
        spatial.ContiguityWeights.from_geodataframe(grid)


def test_benjamini_hochberg_on_known_values():
    q = spatial.benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5]))
    assert np.allclose(q, [0.04, 0.05333333, 0.05333333, 0.5])


def test_clustered_pattern_has_positive_moran():
    grid = _grid_with_island()
    w = spatial.ContiguityWeights.from_geodataframe(grid)
    values = pd.DataFrame({"x": [1, 1, 1, 1, 1, 5, 5, 5, 5, 5.0]}, index=grid.code)
    result = spatial.global_moran(values, w, permutations=99, seed=1)
    assert result.moran_i.iloc[0] > 0


def test_stored_spatial_results(built_db):
    moran = obs.moran(db=built_db)
    index_i = moran.set_index("variable").loc["fragility_index"]
    assert 0.3 < index_i.moran_i < 0.7 and index_i.p_sim == pytest.approx(0.001)
    clusters = obs.lisa_clusters(db=built_db)
    assert len(clusters) == 1503
    assert set(clusters.cluster) <= {"high-high", "low-low", "high-low", "low-high", "not significant"}
    # FDR keeps fewer clusters than the unadjusted 5% test would.
    significant = (clusters.cluster != "not significant").sum()
    assert 0 < significant < clusters.significant_unadjusted.sum()
    assert (clusters.q_fdr >= clusters.p_sim - 1e-12).all()
    assert clusters.permutations.min() == 9999 and clusters.permutations.max() > 9999


def test_conditional_permutations_agree_with_esda():
    from esda.moran import Moran_Local

    grid = gpd.GeoDataFrame(
        {"code": [f"c{i}" for i in range(36)]},
        geometry=[box(i, j, i + 1, j + 1) for i in range(6) for j in range(6)],
        crs="EPSG:4326",
    )
    w = spatial.ContiguityWeights.from_geodataframe(grid)
    y = np.random.default_rng(2).normal(size=36) + np.repeat([0.0, 0.0, 0.0, 2.0, 2.0, 2.0], 6)
    ours = spatial.conditional_p(y, w, np.arange(36), permutations=99_999, seed=1)
    theirs = Moran_Local(y, w.w, permutations=99_999, seed=1, keep_simulations=False).p_sim
    assert np.allclose(ours, theirs, atol=0.01)


def test_lisa_decisions_do_not_depend_on_the_seed(built_db):
    communes = obs.fragility_index("commune", db=built_db)
    w = spatial.ContiguityWeights.from_geodataframe(built_db.read("commune", columns=["code", "geometry"]))
    y = communes.set_index("code")["index"].rename("fragility_index")
    runs = [spatial.lisa(y, w, seed=seed) for seed in (1, 2)]
    significant = [r.cluster != "not significant" for r in runs]
    # With 999 permutations and no refinement, a seed change flipped 34 of about 120 decisions.
    assert (significant[0] != significant[1]).sum() <= 2
    assert abs(int(significant[0].sum()) - int(significant[1].sum())) <= 2
