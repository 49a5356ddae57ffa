"""
The method in a page, for the app's data page and the reports' annex: what the headline index is made
of, how it is normalised and how its outliers are treated, what its 90% rank interval and certainty
figures mean, which communes get no rank, the status of the 2024 internet layer, how the 2030
forecasts are made and how they did in their back-test, and the main limitations. Every figure is read
from what the build stored (analysis parameters, sensitivity, model cards), so the summary cannot drift
from the results; docs/method.md holds the full account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from . import registry
from .enums import DEFAULT_LENS, LANGUAGES
from .errors import unknown_name
from .formatting import integer, number, percent
from .models import OWN_CONTROL_SOURCE
from .query import DatabaseLike, connect
from .results import index_sensitivity, model_card

#: Where the full method lives (in the repository and its documentation).
METHOD_DOCUMENT = "docs/method.md"
#: The summary's heading on every surface.
TITLE = {"fr": "La méthode en bref", "ar": "المنهجية باختصار", "en": "The method in brief"}


@dataclass(frozen=True)
class MethodSection:
    """One heading and its paragraph."""

    key: str
    title: str
    text: str


def summary_figures(*, db: DatabaseLike = None, lens: str = DEFAULT_LENS) -> dict[str, Any]:
    """The figures the summary quotes, each read from the build's stored results."""
    database = connect(db)
    rows = database.read("analysis", where={"analysis_id": f"index-{lens}"})
    if rows.empty:
        raise unknown_name("index analysis", f"index-{lens}", database.read("analysis")["analysis_id"])
    params = json.loads(rows["params"].iloc[0])
    treatments = params["outliers"]["treatments"]
    rule = params["ranking_rule"]
    sensitivity = index_sensitivity(db=database, lens=lens)
    total = sensitivity[(sensitivity["kind"] == "total_order") & (sensitivity["level"] == "commune")]
    top = total.loc[total["value"].idxmax()]
    internet = model_card("internet_use_2024", db=database)
    expost = internet["metrics"]["expost"]
    forecast = model_card("forecast_2030", db=database)
    backtest = {(r["method"], r["sex"]): r for r in forecast["metrics"]["illiteracy_backtest"]}
    national = forecast["data"]["national_totals"]
    return {
        "lens": lens,
        "dimension_weights": dict(params["dimension_weights"]),
        "components": len(params["components"]),
        "normalisation": params["normalisation"],
        "aggregation": params["aggregation"],
        "outlier_rule": params["outliers"]["rule"],
        "outliers_treated": sum(t["method"] != "none" for t in treatments.values()),
        "outliers_tested": len(treatments),
        "mc_draws": int(params["monte_carlo"]["draws"]),
        "min_residents": int(rule["min_residents"]),
        "max_imputed_share": float(rule["max_imputed_share"]),
        "unranked": int(sum(rule["unranked"].values())),
        "sobol_top_factor": str(top["factor"]),
        "sobol_top_value": float(top["value"]),
        "internet_status": internet["metrics"]["status"],
        "internet_outcomes": len({r["outcome"] for r in expost}),
        "internet_model_wins": int(internet["metrics"]["expost_model_wins"]),
        "population_2030": float(forecast["metrics"]["population_2030"]),
        "population_control_source": forecast["metrics"]["national_control_source"],
        "illiteracy_2030": {
            sex: float(national[f"illiteracy_rate_10_plus_forecast:2030:{sex}"]) for sex in ("male", "female")
        },
        "backtest_cohort_rmse": {
            s: float(backtest[("cohort_alike", s)]["rmse_pp"]) for s in ("male", "female")
        },
        "backtest_carry_rmse": {
            s: float(backtest[("carry_forward", s)]["rmse_pp"]) for s in ("male", "female")
        },
    }


_TITLES = {
    "index": {"fr": "L'indice de tête", "ar": "المؤشر الرئيسي", "en": "The headline index"},
    "outliers": {
        "fr": "Normalisation et valeurs extrêmes",
        "ar": "التطبيع والقيم المتطرفة",
        "en": "Normalisation and outliers",
    },
    "uncertainty": {
        "fr": "Intervalle de rang et certitude",
        "ar": "مجال الرتبة ودرجة اليقين",
        "en": "Rank interval and certainty",
    },
    "unranked": {"fr": "Communes sans rang", "ar": "جماعات بدون رتبة", "en": "Unranked communes"},
    "internet": {
        "fr": "Usage d'internet 2024",
        "ar": "استخدام الإنترنت 2024",
        "en": "Internet use 2024",
    },
    "forecast": {"fr": "Projections 2030", "ar": "إسقاطات 2030", "en": "Forecasts to 2030"},
    "limitations": {"fr": "Limites", "ar": "الحدود", "en": "Limitations"},
}

_TEXTS = {
    "index": {
        "fr": "Lentille « {lens} » : {components} composantes du recensement en {n_dims} dimensions "
        "({dims}), agrégation {aggregation}. Aucune valeur simulée : une couche simulée n'apparaît que "
        "sous la lentille de démonstration, avec un bandeau.",
        "ar": "عدسة «{lens}»: {components} مكونًا من الإحصاء العام في {n_dims} أبعاد ({dims})، "
        "تجميع {aggregation}. لا قيمة محاكاة فيه: لا تظهر طبقة محاكاة إلا تحت عدسة العرض، مع شريط تنبيه.",
        "en": "Lens '{lens}': {components} census components in {n_dims} dimensions ({dims}), "
        "{aggregation} aggregation. No simulated value: a simulated layer appears only under the "
        "demonstration lens, with a banner.",
    },
    "outliers": {
        "fr": "Normalisation {normalisation}. Règle JRC/COINr ({rule}) : {treated} composantes sur "
        "{tested} traitées (winsorisation ou logarithme) avant la normalisation.",
        "ar": "التطبيع: {normalisation}. قاعدة JRC/COINr ({rule}): عولجت {treated} من أصل {tested} مكونات "
        "(تقليم أو لوغاريتم) قبل التطبيع.",
        "en": "Normalisation: {normalisation}. JRC/COINr rule ({rule}): {treated} of {tested} components "
        "treated (winsorised or log-transformed) before normalising.",
    },
    "uncertainty": {
        "fr": "{draws} tirages Monte-Carlo font varier la normalisation, l'agrégation, les poids et "
        "l'erreur d'échantillonnage du recensement. L'intervalle de rang à 90 % contient 90 % des rangs "
        "tirés ; la certitude est la part des tirages où la commune est parmi les 10 % les plus fragiles "
        "(et parmi les 10 premières de sa région). Sobol (ordre total) : facteur le plus influent, "
        "{factor} ({value}).",
        "ar": "تُغيّر {draws} سحبة مونت كارلو التطبيع والتجميع والأوزان وخطأ المعاينة في الإحصاء. يضم مجال "
        "الرتبة بنسبة 90% تسعين في المائة من الرتب المسحوبة؛ ودرجة اليقين هي نسبة السحبات التي تكون فيها "
        "الجماعة ضمن 10% الأكثر هشاشة (وضمن العشر الأوائل في جهتها). مؤشر سوبول (الرتبة الكلية): العامل "
        "الأكثر تأثيرًا: {factor} ({value}).",
        "en": "{draws} Monte Carlo draws vary normalisation, aggregation, weights and census sampling "
        "error. The 90% rank interval holds 90% of the drawn ranks; the certainty figure is the share of "
        "draws in which the commune is among the 10% most fragile (and among its région's top 10). Sobol "
        "(total order): most influential factor, {factor} ({value}).",
    },
    "unranked": {
        "fr": "Pas de rang pour une commune de moins de {residents} résidents ou dont plus de {share} des "
        "données sont imputées : {unranked} communes, chacune avec sa raison.",
        "ar": "لا تُرتَّب الجماعة التي يقل عدد سكانها المقيمين عن {residents} أو التي عُوِّض أكثر من {share} "
        "من معطياتها: {unranked} جماعة، لكل منها سببه.",
        "en": "No rank for a commune with fewer than {residents} residents or more than {share} of its "
        "inputs imputed: {unranked} communes, each with its reason.",
    },
    "internet": {
        "fr": "Statut : {status}. Test ex post (modèle ajusté sur 2014, appliqué à 2024 pour {outcomes} "
        "indicateurs des ménages connus aux deux recensements) : le modèle bat la reconduction de 2014 "
        "pour {wins} sur {outcomes}. {verdict}",
        "ar": "الوضع: {status}. الاختبار البعدي (نموذج مُقدَّر على 2014 ومطبَّق على 2024 لـ{outcomes} مؤشرات "
        "للأسر معروفة في الإحصاءين): يتفوق النموذج على استمرار قيم 2014 في {wins} من أصل {outcomes}. "
        "{verdict}",
        "en": "Status: {status}. Ex-post test (fit on 2014, applied to 2024 for {outcomes} household "
        "outcomes known in both censuses): the model beats carrying 2014 forward for {wins} of "
        "{outcomes}. {verdict}",
    },
    "internet_scenario": {
        "fr": "C'est donc un scénario, hors de l'indice.",
        "ar": "فهي إذن سيناريو، خارج المؤشر.",
        "en": "So it is a scenario, kept out of the index.",
    },
    "internet_modelled": {
        "fr": "C'est une estimation modélisée, hors de l'indice.",
        "ar": "فهي تقدير بالنمذجة، خارج المؤشر.",
        "en": "So it is a modelled estimate, kept out of the index.",
    },
    "forecast": {
        "fr": "Population par rapports de cohortes (Hamilton-Perry), contrôlée à {control} : "
        "{population} habitants. Analphabétisme 10+ par progression des cohortes (les analphabètes de "
        "2024 vieillissent, les nouvelles cohortes entrent au taux actuel des 10-14 ans) : {male_2030} "
        "(hommes), {female_2030} (femmes) en 2030. Rétro-test 2014 → 2024 : erreur quadratique moyenne "
        "{male_rmse} et {female_rmse} points contre {male_carry} et {female_carry} pour la reconduction.",
        "ar": "السكان بنسب تغير الأفواج (هاملتون-بيري)، مضبوطون على {control}: {population} نسمة. الأمية "
        "لدى 10 سنوات فأكثر بتقدم الأفواج (يتقدم أميو 2024 في السن، وتدخل الأفواج الجديدة بمعدل 10-14 سنة "
        "الحالي): {male_2030} (ذكور) و{female_2030} (إناث) سنة 2030. الاختبار الرجعي 2014 ← 2024: جذر "
        "متوسط مربع الخطأ {male_rmse} و{female_rmse} نقطة مقابل {male_carry} و{female_carry} لاستمرار "
        "القيم.",
        "en": "Population by cohort-change ratios (Hamilton-Perry), controlled to {control}: {population} "
        "people. Illiteracy 10+ by cohort progression (the illiterate of 2024 age, new cohorts enter at "
        "today's 10-14 rate): {male_2030} (men), {female_2030} (women) in 2030. Back-test 2014 → 2024: "
        "RMSE {male_rmse} and {female_rmse} points against {male_carry} and {female_carry} for "
        "carry-forward.",
    },
    "own_control": {
        "fr": "la projection Hamilton-Perry nationale de l'observatoire (pas celle du HCP, absente des "
        "sources)",
        "ar": "إسقاط هاملتون-بيري الوطني للمرصد (لا إسقاط المندوبية السامية للتخطيط، غير الوارد في المصادر)",
        "en": "the observatory's own national Hamilton-Perry projection (not HCP's, which is not among the "
        "sources)",
    },
    "limitations": {
        "fr": "Les taux du questionnaire long sont des estimations par sondage ; l'usage d'internet en 2024 "
        "n'est pas publié par commune ; les projections 2030 sont des scénarios (migrations et "
        "fécondité de 2014-2024 reconduites). Méthode complète : {document}.",
        "ar": "معدلات الاستمارة المفصلة تقديرات بالمعاينة؛ ولا يُنشر استخدام الإنترنت سنة 2024 حسب الجماعة؛ "
        "وإسقاطات 2030 سيناريوهات (هجرة وخصوبة 2014-2024 مستمرة). المنهجية كاملة: {document}.",
        "en": "Long-form rates are sample estimates; 2024 internet use is not published by commune; the "
        "2030 forecasts are scenarios (2014-2024 migration and fertility carried forward). Full method: "
        "{document}.",
    },
}

_FACTORS = {
    "normalisation": {"fr": "normalisation", "ar": "التطبيع", "en": "normalisation"},
    "aggregation": {"fr": "agrégation", "ar": "التجميع", "en": "aggregation"},
    "dimension_left_out": {"fr": "dimension omise", "ar": "حذف بُعد", "en": "dimension left out"},
    "imputation": {"fr": "imputation", "ar": "التعويض", "en": "imputation"},
    "weight": {"fr": "poids", "ar": "وزن", "en": "weight"},
}
_RULE = {
    "fr": "|asymétrie| > {skew} et aplatissement > {kurtosis} : winsorisation jusqu'à {points} points, "
    "sinon logarithme",
    "ar": "|الالتواء| > {skew} والتفرطح > {kurtosis}: تقليم حتى {points} نقاط، وإلا فاللوغاريتم",
    "en": "|skew| > {skew} and kurtosis > {kurtosis}: winsorise up to {points} points, else log",
}
_SEPARATOR = {"fr": ", ", "ar": "، ", "en": ", "}
_STATUS = {
    "scenario": {"fr": "scénario", "ar": "سيناريو", "en": "scenario"},
    "modelled": {"fr": "modélisé", "ar": "مُنمذَج", "en": "modelled"},
}
_WORDS = {
    "minmax": {"fr": "min-max", "ar": "الأدنى-الأقصى", "en": "min-max"},
    "zscore": {"fr": "centrée réduite", "ar": "المعيارية", "en": "z-score"},
    "rank": {"fr": "par rangs", "ar": "بالرتب", "en": "rank"},
    "arithmetic": {"fr": "arithmétique", "ar": "حسابي", "en": "arithmetic"},
    "geometric": {"fr": "géométrique", "ar": "هندسي", "en": "geometric"},
}


def method_summary(
    *, db: DatabaseLike = None, lang: str = "fr", lens: str = DEFAULT_LENS
) -> list[MethodSection]:
    """The method summary in `lang`, its figures read from the database and written as `lang` writes them."""
    if lang not in LANGUAGES:
        raise unknown_name("language", lang, LANGUAGES)
    f = summary_figures(db=db, lens=lens)
    weights = f["dimension_weights"]
    dims = _SEPARATOR[lang].join(
        f"{registry.DIMENSION_LABELS[d][lang]} {percent(100 * w / sum(weights.values()), lang, decimals=0)}"
        for d, w in weights.items()
    )
    control = (
        _TEXTS["own_control"][lang]
        if f["population_control_source"] == OWN_CONTROL_SOURCE
        else f["population_control_source"]
    )
    fields = {
        "index": {
            "lens": lens,
            "components": integer(f["components"], lang),
            "n_dims": integer(len(weights), lang),
            "dims": dims,
            "aggregation": _WORDS.get(f["aggregation"], {}).get(lang, f["aggregation"]),
        },
        "outliers": {
            "normalisation": _WORDS.get(f["normalisation"], {}).get(lang, f["normalisation"]),
            "rule": _rule(f["outlier_rule"], lang),
            "treated": integer(f["outliers_treated"], lang),
            "tested": integer(f["outliers_tested"], lang),
        },
        "uncertainty": {
            "draws": integer(f["mc_draws"], lang),
            "factor": _factor(f["sobol_top_factor"], lang),
            "value": number(f["sobol_top_value"], lang, decimals=2),
        },
        "unranked": {
            "residents": integer(f["min_residents"], lang),
            "share": percent(100 * f["max_imputed_share"], lang, decimals=0),
            "unranked": integer(f["unranked"], lang),
        },
        "internet": {
            "status": _STATUS.get(f["internet_status"], {}).get(lang, f["internet_status"]),
            "outcomes": integer(f["internet_outcomes"], lang),
            "wins": integer(f["internet_model_wins"], lang),
            "verdict": _TEXTS[f"internet_{'modelled' if f['internet_status'] == 'modelled' else 'scenario'}"][
                lang
            ],
        },
        "forecast": {
            "control": control,
            "population": integer(f["population_2030"], lang),
            **{f"{s}_2030": percent(f["illiteracy_2030"][s], lang) for s in ("male", "female")},
            **{f"{s}_rmse": number(f["backtest_cohort_rmse"][s], lang) for s in ("male", "female")},
            **{f"{s}_carry": number(f["backtest_carry_rmse"][s], lang) for s in ("male", "female")},
        },
        "limitations": {"document": METHOD_DOCUMENT},
    }
    return [
        MethodSection(key, _TITLES[key][lang], _TEXTS[key][lang].format(**values))
        for key, values in fields.items()
    ]


def _rule(stored: str, lang: str) -> str:
    """The stored outlier rule ('|skew| > 2.0 and kurtosis > 3.5: winsorise up to 5 points, else log') in
    `lang`, its limits written as `lang` writes numbers; a rule of another shape is quoted as stored."""
    limits = re.findall(r"\d+(?:\.\d+)?", stored)
    if len(limits) != 3:
        return stored
    skew, kurtosis, points = (float(v) for v in limits)
    return _RULE[lang].format(
        skew=number(skew, lang, decimals=1 if not skew.is_integer() else 0),
        kurtosis=number(kurtosis, lang, decimals=1 if not kurtosis.is_integer() else 0),
        points=integer(points, lang),
    )


def _factor(name: str, lang: str) -> str:
    """A sensitivity factor's name in `lang` ('weight_access' is the weight of the access dimension)."""
    if name.startswith("weight_") and name[7:] in registry.DIMENSION_LABELS:
        return f"{_FACTORS['weight'][lang]} ({registry.DIMENSION_LABELS[name[7:]][lang]})"
    return _FACTORS.get(name, {}).get(lang, name)
