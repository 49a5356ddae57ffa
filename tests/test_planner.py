"""The deployment planner: optimal MCLP against the naive plan, equity constraints, existing sites, audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import observatory as obs
from observatory import planner
from observatory.errors import ValidationError
from observatory.planning_frame import PlanningFrame


def _line(n: int = 6) -> PlanningFrame:
    # Communes on a line 10 km apart (0.09 degrees of latitude ≈ 10 km), need concentrated at both ends.
    return PlanningFrame(pd.DataFrame({
        "code": [f"c{i}" for i in range(n)], "region_code": ["r1"] * 3 + ["r2"] * (n - 3),
        "province_code": ["p1"] * 3 + ["p2"] * (n - 3), "type": ["urban", "rural"] * (n // 2),
        "lon": 0.0, "lat": np.arange(n) * 0.0899, "need_female": [50, 5, 0, 0, 5, 60.0][:n],
        "need_male": [50, 5, 0, 0, 5, 40.0][:n], "need": [100, 10, 0, 0, 10, 100.0][:n], "cost": 1.0,
        "rank": [6, 5, 1, 2, 4, 3][:n],
    }))


def test_optimal_beats_naive_on_a_known_case():
    result = planner.plan(_line(), sites=2, radius_km=11)
    assert result.summary["covered_need"] == pytest.approx(220)
    assert result.summary["naive_covered_need"] == pytest.approx(20)  # naive picks ranks 1-2: c2 and c3
    assert result.summary["ratio_vs_naive"] == pytest.approx(11)
    audit = result.audit[result.audit.plan == "optimal"].set_index(["group_type", "group"])
    assert audit.loc[("sex", "female"), "covered_share"] == pytest.approx(1.0)


def test_existing_sites_are_kept_and_the_plan_adds_to_them():
    result = planner.plan(_line(), sites=1, radius_km=5, existing=["c0"])
    chosen = result.sites[result.sites.plan == "optimal"].set_index("code")
    assert chosen.loc["c0", "kind"] == "existing" and chosen.loc["c5", "kind"] == "new"
    with pytest.raises(ValidationError, match="unknown communes \\(first: 'x9'\\)"):
        planner.plan(_line(), sites=1, existing=["x9"])


def test_equity_constraints_and_reproducible_ids():
    with pytest.raises(ValidationError, match="needs 2 new sites across 2 provinces, but the plan has 1"):
        planner.plan(_line(), sites=1, radius_km=5, min_per_province=1)
    a = planner.plan(_line(), sites=2, radius_km=5, min_per_province=1)
    b = planner.plan(_line(), sites=2, radius_km=5, min_per_province=1)
    assert a.plan_id == b.plan_id and a.summary["covered_need"] == b.summary["covered_need"]
    with pytest.raises(ValidationError, match="no optimal solution"):
        planner.plan(_line(), sites=1, radius_km=5, min_rural_share=0.95)


def test_default_plan_is_stored_optimal_and_audited(built_db):
    plans = obs.plans(db=built_db)
    default = plans.iloc[0]
    assert default.status == "optimal" and default.sites_new == 50
    assert default.ratio_vs_naive > 1
    assert '"sites": 50' in default.params and '"radius_km": 15.0' in default.params
    sites = obs.plan_sites(db=built_db)
    assert len(sites) == 50
    audit = obs.plan_audit(db=built_db)
    assert set(audit.group_type) == {"region", "area", "sex", "all"}
    whole = audit[(audit.plan == "optimal") & (audit.group_type == "all")].iloc[0]
    assert whole.covered_need == pytest.approx(default.covered_need)
    rural = audit[(audit.plan == "optimal") & (audit.group == "rural")].iloc[0]
    assert rural.covered_share >= 0.3 - 1e-6  # the default plan's equity constraint
    assert len(obs.left_out(db=built_db, top=5)) == 5


def test_new_plans_with_existing_sites_are_stored(built_db, tmp_path):
    import shutil

    from observatory.database import Database
    from observatory.etl.jobs.analytics import store_plan

    frame = obs.planning_frame(db=built_db)

    communes = built_db.read("commune", columns=["code", "geometry"])
    points = communes.geometry.representative_point()
    csv = tmp_path / "sites.csv"
    pd.DataFrame({"LON": points.x[:2], "Lat": points.y[:2]}).to_csv(csv, index=False)
    existing = planner.read_existing_sites(str(csv), units=communes)
    assert existing == communes.code[:2].tolist()
    pd.DataFrame({"lon": [-40.0], "lat": [10.0]}).to_csv(csv, index=False)
    with pytest.raises(ValidationError, match="1 existing sites fall outside every commune"):
        planner.read_existing_sites(str(csv), units=communes)

    result = planner.plan(frame, sites=10, radius_km=20, existing=existing)
    copy = Database(shutil.copyfile(built_db.target, tmp_path / "copy.gpkg"))
    assert store_plan(result, db=copy) == result.plan_id
    assert store_plan(result, db=copy) == result.plan_id  # same parameters and inputs: replaced, not doubled
    stored_plans = obs.plans(db=copy)
    assert len(stored_plans) == 2 and (stored_plans.plan_id == result.plan_id).sum() == 1
    sites = obs.plan_sites(result.plan_id, db=copy)
    assert len(sites) == 12 and (sites.kind == "existing").sum() == 2
    assert copy.read("etl_run", where={"job": "store_plan"}).status.tolist() == ["ok", "ok"]
