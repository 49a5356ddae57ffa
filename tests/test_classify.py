"""Map classes drawn without mapclassify's import for quantiles must be mapclassify's classes."""

from __future__ import annotations

import warnings

import numpy as np

from observatory.classify import classify


def test_quantile_classes_are_mapclassify_s():
    import mapclassify

    generator = np.random.default_rng(7)
    samples = [
        generator.normal(50, 15, 1503),  # as many as communes
        np.round(generator.gamma(2, 10, 75), 0),  # as many as provinces, with ties
        np.array([0.0] * 40 + [1.0] * 5 + list(range(2, 30))),  # a heavy tie: fewer classes
        generator.uniform(0, 100, 12),
    ]
    for values in samples:
        for k in (3, 5, 7):
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                expected = mapclassify.Quantiles(values, k=k)
            with warnings.catch_warnings(record=True) as ours_warned:
                warnings.simplefilter("always")
                ours = classify(values, scheme="quantiles", k=k)
            # the same to the last bits
            np.testing.assert_allclose(ours.bounds[1:], expected.bins, rtol=1e-12)
            assert ours.classes.tolist() == expected.yb.tolist()
            assert len(ours_warned) == len(theirs)


def test_a_commune_map_s_classes_do_not_load_mapclassify(library_modules):
    assert "observatory.classify" in library_modules["classify"]
    assert "mapclassify" not in library_modules["classify"]
