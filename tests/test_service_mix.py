"""
The AI service mix: segments that add up exactly to the census's adults 15+ in every commune, sex and
area of a built database; bounds that hold for any joint distribution of the inputs (checked against
populations drawn with strongly associated traits, whose real segments are counted person by person);
totals whose bounds are the sums of their cells'; a planner's helper tested on a small frame; and the
mix served by the library, the API, the profile and the reports, in French, Arabic and English.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest
from components import find, text_of

import observatory as obs
from observatory import i18n, query
from observatory.api import create_api_app
from observatory.errors import ValidationError
from observatory.formatting import integer
from observatory.service_mix import COLUMNS, DEVICES, SEGMENTS, cell_mix, mix_table, site_services

ERRACHIDIA = "08.201.01.05"


# -- the model, on people drawn one by one -----------------------------------------------------------------
def _population(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """People with associated traits (a shared latent factor), each with a phone, a computer, internet use
    (only with a phone or a computer) and reading; the segments counted from the people themselves."""
    latent = rng.normal(size=n)
    strength = rng.uniform(-2, 2, size=4)

    def trait(k: int) -> np.ndarray:
        return rng.normal(size=n) + strength[k] * latent > rng.normal(scale=0.8)

    phone, computer, reads = trait(0), trait(1), trait(2)
    online = trait(3) & (phone | computer | (rng.random(n) < 0.3))
    device = phone | computer | online
    return pd.DataFrame(
        {
            "assisted_point": ~device,
            "voice_assistant": device & ~reads,
            "training_text": reads & device & ~online,
            "online_chat": reads & online,
            "literate": reads,
            "equipment_mobile_phone": phone,
            "equipment_computer": computer,
            "online": online,
        }
    )


@pytest.mark.parametrize("seed", range(40))
def test_bounds_hold_whatever_the_joint_distribution(seed):
    rng = np.random.default_rng(seed)
    people = _population(rng, int(rng.integers(20, 3000)))
    inputs = pd.DataFrame(
        [
            {
                "code": "x",
                "area": "rural",
                "sex": "female",
                "adults": float(len(people)),
                **{c: people[c].mean() for c in ("literate", *DEVICES, "online")},
            }
        ]
    )
    mix = cell_mix(inputs).set_index("segment")
    truth = people[list(SEGMENTS)].sum()
    assert truth.sum() == len(people)
    for segment in SEGMENTS:
        row = mix.loc[segment]
        assert row.people_lower <= truth[segment] <= row.people_upper, (segment, seed)
        assert row.people_lower <= row.people <= row.people_upper
    assert mix["people"].sum() == len(people)


def test_the_bounds_are_sharp_when_one_input_settles_everything():
    inputs = pd.DataFrame(
        [
            {"code": "x", "area": "urban", "sex": "male", "adults": 1000.0, "literate": 1.0}
            | {"equipment_mobile_phone": 1.0, "equipment_computer": 0.2, "online": 0.6}
        ]
    )
    mix = cell_mix(inputs).set_index("segment")
    expected = {"assisted_point": 0, "voice_assistant": 0, "training_text": 400, "online_chat": 600}
    for segment, people in expected.items():
        assert mix.loc[segment, ["people", "people_lower", "people_upper"]].tolist() == [people] * 3


def test_whole_people_add_up_to_each_cell_s_adults():
    rng = np.random.default_rng(7)
    n = 500
    inputs = pd.DataFrame(
        {
            "code": [f"c{i}" for i in range(n)],
            "area": "rural",
            "sex": "male",
            "adults": rng.integers(0, 5000, n).astype(float),
            "literate": rng.random(n),
            "equipment_mobile_phone": rng.random(n),
            "equipment_computer": rng.random(n) * 0.3,
            "online": rng.random(n),
        }
    )
    mix = cell_mix(inputs)
    assert (mix["people"] == np.round(mix["people"])).all()
    sums = mix.groupby("code")["people"].sum()
    assert (sums == inputs.set_index("code")["adults"].reindex(sums.index)).all()
    assert (mix["people_lower"] <= mix["people"]).all() and (mix["people"] <= mix["people_upper"]).all()


def test_a_total_s_bounds_are_its_cells_and_sharper_than_the_totals_frechet_bound():
    rng = np.random.default_rng(11)
    n = 300
    inputs = pd.DataFrame(
        {
            "code": [f"c{i // 4}" for i in range(n)],
            "area": np.where(np.arange(n) % 2, "urban", "rural"),
            "sex": np.where((np.arange(n) // 2) % 2, "male", "female"),
            "adults": rng.integers(50, 20_000, n).astype(float),
            "literate": rng.beta(3, 1.5, n),
            "equipment_mobile_phone": rng.beta(8, 1, n),
            "equipment_computer": rng.beta(1, 4, n),
            "online": rng.beta(2, 2, n),
        }
    )
    cells = cell_mix(inputs)
    codes = inputs["code"].unique()
    parents = {
        "province": pd.Series("p", index=codes),
        "region": pd.Series("r", index=codes),
        "country": pd.Series("MA", index=codes),
    }
    table = mix_table(cells, parents, online_status="scenario")
    country = table[(table.level == "country") & (table.sex == "all") & (table.area == "total")]
    country = country.set_index("segment")
    for column in ("people", "people_lower", "people_upper"):
        assert (country[column] == cells.groupby("segment")[column].sum().reindex(country.index)).all()
    adults = inputs["adults"].sum()
    readers, online = ((inputs["adults"] * inputs[c]).sum() for c in ("literate", "online"))
    low, high = max(0.0, readers + online - adults), min(readers, online)
    row = country.loc["online_chat"]
    assert low - n <= row.people_lower and row.people_upper <= high + n  # rounding: one person a cell
    assert row.people_lower - low > 0.01 * adults  # sharper: the cells hold what the totals lose


# -- the planner's helper ------------------------------------------------------------------------------
def _mix() -> pd.DataFrame:
    rows = []
    for code, people in (("a", (10, 20, 30, 40)), ("b", (50, 30, 15, 5))):
        for segment, n in zip(SEGMENTS, people, strict=True):
            rows.append(
                {"unit_code": code, "segment": segment, "people": n, "adults": 100}
                | {"people_lower": n / 2, "people_upper": min(100, 2 * n)}
            )
    return pd.DataFrame(rows)


def test_a_site_offers_the_services_its_reach_needs():
    reached = pd.DataFrame(
        {"site_code": ["s1", "s1", "s2"], "unit_code": ["a", "b", "a"], "reached_people": [1000, 1000, 300]}
    )
    out = site_services(_mix(), reached, min_share=0.15, min_people=100).set_index(["site_code", "segment"])
    s1 = out.loc["s1"]
    assert s1["people"].tolist() == pytest.approx([600, 500, 450, 450])  # 10%+50%, 20%+30%, ...
    assert s1["share"].sum() == pytest.approx(1)
    assert s1["people_lower"].tolist() == pytest.approx([300, 250, 225, 225])
    assert s1["offered"].tolist() == [True, True, True, True]
    s2 = out.loc["s2"]
    # 300 people: 30 assisted (10%, too few), 60 voice (20%, under 100 people), 90 and 120.
    assert s2["people"].tolist() == pytest.approx([30, 60, 90, 120])
    assert s2["offered"].tolist() == [False, False, False, True]


def test_a_site_s_bad_reach_is_refused_in_one_line():
    good = {"site_code": ["s1"], "unit_code": ["a"], "reached_people": [10]}
    with pytest.raises(ValidationError, match="missing"):
        site_services(_mix(), pd.DataFrame(good).drop(columns="reached_people"))
    with pytest.raises(ValidationError, match="does not hold: zz"):
        site_services(_mix(), pd.DataFrame(good | {"unit_code": ["zz"]}))
    with pytest.raises(ValidationError, match="0 or more"):
        site_services(_mix(), pd.DataFrame(good | {"reached_people": [-5]}))


# -- the built database ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mix_all(built_db) -> pd.DataFrame:
    return built_db.read("service_mix")


def test_segments_add_up_to_the_census_adults_in_every_commune_sex_and_area(built_db, mix_all):
    census = query.indicator_values(
        "illiteracy_population_15_plus", db=built_db, level="commune", year=2024, sex=None, area=None
    )
    census = census.set_index(["unit_code", "sex", "area"])["value"]
    communes = mix_all[mix_all.level == "commune"]
    sums = communes.groupby(["unit_code", "sex", "area"])["people"].sum()
    census = census[census > 0]  # a commune with no urban part has no urban cell
    both = pd.concat([sums.rename("mix"), census.rename("census")], axis=1)
    assert both.index.get_level_values(0).nunique() == 1503
    assert census.index.get_level_values(0).nunique() == 1499  # 4 communes without a count: filled
    both = both.reindex(census.index)
    assert len(both) > 9000
    assert (both["mix"] == both["census"]).all()
    adults = communes.groupby(["unit_code", "sex", "area"])["adults"].first()
    assert (adults.reindex(both.index) == both["census"]).all()
    assert set(mix_all.segment) == set(SEGMENTS)
    assert communes.groupby(["unit_code", "sex", "area"]).size().eq(4).all()


def test_bounds_contain_the_central_value_and_totals_sum_their_communes(mix_all):
    assert (mix_all.people_lower <= mix_all.people).all() and (mix_all.people <= mix_all.people_upper).all()
    assert (mix_all.people_lower >= 0).all() and (mix_all.people_upper <= mix_all.adults).all()
    pick = (mix_all.sex == "all") & (mix_all.area == "total")
    country = mix_all[pick & (mix_all.level == "country")].set_index("segment")
    communes = mix_all[pick & (mix_all.level == "commune")].groupby("segment")
    for column in ("people", "people_lower", "people_upper", "adults"):
        assert (country[column] == communes[column].sum().reindex(country.index)).all(), column
    assert set(mix_all.literacy_year) == {2024} and set(mix_all.device_year) == {2014}
    assert set(mix_all.online_year) == {2024} and set(mix_all.status) == {"scenario"}


def test_the_library_reads_a_level_a_region_and_answers_bad_names(built_db):
    start = time.perf_counter()
    nation = obs.service_mix("commune", db=built_db)
    elapsed = time.perf_counter() - start
    assert nation["unit_code"].nunique() == 1503 and list(nation.columns) == COLUMNS
    assert elapsed < 2.0
    region = obs.service_mix("commune", "08", db=built_db)
    inside = set(query.units("commune", db=built_db, region="08", geometry=False)["code"])
    assert set(region["unit_code"]) == inside
    assert obs.service_mix("region", "08", db=built_db)["unit_code"].unique().tolist() == ["08"]
    women = obs.service_mix("province", db=built_db, sex="female", area="rural")
    assert set(women.sex) == {"female"} and set(women.area) == {"rural"}
    for level in ("commune", "region"):
        with pytest.raises(KeyError, match="99"):
            obs.service_mix(level, "99", db=built_db)
    with pytest.raises(ValueError, match="région"):
        obs.service_mix("country", "08", db=built_db)
    with pytest.raises(KeyError, match="level"):
        obs.service_mix("district", db=built_db)


def test_the_api_serves_the_mix_as_json_and_csv(built_db):
    client = create_api_app(built_db).test_client()
    body = client.get("/api/v1/service-mix?level=region").get_json()
    rows = pd.DataFrame(body["data"])
    assert {"unit_code", "segment", "people", "people_lower", "people_upper", "share"} <= set(rows.columns)
    assert rows["unit_code"].nunique() == 12
    served = obs.service_mix("region", db=built_db).set_index(["unit_code", "segment"])["people"]
    assert (rows.set_index(["unit_code", "segment"])["people"] == served.reindex(served.index)).all()
    csv = client.get("/api/v1/service-mix?level=commune&region=08&format=csv")
    assert csv.status_code == 200
    frame = pd.read_csv(io.StringIO(csv.get_data(as_text=True)), dtype={"unit_code": str})  # a plain table
    assert "hcp-2014-indicators-households" in csv.headers["X-Source"]  # the devices' source
    assert set(frame["unit_code"]) == set(obs.service_mix("commune", "08", db=built_db)["unit_code"])
    assert client.get("/api/v1/service-mix?level=commune&region=99").status_code == 404
    assert client.get("/api/v1/service-mix?level=country&region=08").status_code == 422
    assert client.get("/api/v1/service-mix?level=town").status_code == 400
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/service-mix" in paths or "/service-mix" in paths


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_the_profile_shows_the_commune_s_mix_with_its_range(data, built_db, lang):
    from observatory.dashboards import ids
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages

    shown = shell(load_pages(), data, "/commune", f"?lang={lang}&code={ERRACHIDIA}", default_lang="fr")
    block = text_of(find(shown, ids.PROFILE_SERVICE_MIX))
    mix = obs.service_mix("commune", codes=[ERRACHIDIA], db=built_db)
    assert i18n.text("mix.title", lang) in block
    for row in mix.itertuples():
        assert i18n.text(f"mix.segment.{row.segment}", lang) in block
        lower, upper = integer(row.people_lower, lang), integer(row.people_upper, lang)
        assert i18n.text("mix.bounds", lang, lower=lower, upper=upper) in block
    assert "2014" in block and "2024" in block


@pytest.mark.parametrize(("level", "code"), [("commune", ERRACHIDIA), ("region", "08")])
def test_the_reports_hold_the_mix_and_its_caveat(built_db, level, code):
    from observatory.reports.content import gather
    from observatory.reports.render import to_html

    content = gather(level=level, code=code, lang="fr", db=built_db)
    assert list(content.service_mix["segment"]) == list(SEGMENTS)
    html = to_html(content)
    caveat = i18n.text("mix.caveat", "fr", literacy_year=2024, device_year=2014, online_year=2024)
    assert i18n.text("mix.segment.voice_assistant", "fr") in html
    assert caveat.replace("'", "&#39;") in html or caveat in html


def test_the_default_plan_s_sites_offer_the_services_of_the_adults_they_reach(built_db):
    """A site's services follow from the mix it reaches: its segments add up to the adults 15+ of the
    communes within its reach, and a site in a commune where most adults cannot read offers the voice
    assistant."""
    from observatory.service_mix import plan_site_services

    stored = obs.read_plan(db=built_db)
    services = plan_site_services(stored.coverage, db=built_db)
    assert set(services["site_code"]) == set(stored.coverage["site_code"].dropna())
    adults = (
        obs.service_mix("commune", db=built_db).drop_duplicates("unit_code").set_index("unit_code")["adults"]
    )
    within = stored.coverage[stored.coverage["covered"] > 0]
    reached = (within["covered"] * within["code"].map(adults)).groupby(within["site_code"]).sum()
    people = services.groupby("site_code")["people"].sum()
    assert np.allclose(people.reindex(reached.index), reached, rtol=1e-9)
    assert services.groupby("site_code")["offered"].any().all()  # every site offers at least one service
    voice = services[services["segment"] == "voice_assistant"]
    assert voice.loc[voice["share"].idxmax(), "offered"]
