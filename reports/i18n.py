"""The words of a report in French, Arabic and English (figures' labels come from the indicator registry)."""

from __future__ import annotations

from observatory.enums import LANGUAGES, STATUSES
from observatory.errors import unknown_name

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Équité numérique territoriale",
        "subtitle": "Rapport",
        "level_region": "Région", "level_province": "Province", "level_commune": "Commune", "level_country": "Maroc",
        "contents": "Sommaire",
        "brief": "L'essentiel en une page",
        "standing": "Où se situe le territoire",
        "peers": "Le territoire et ses voisins (1 = le plus fragile)",
        "peers_commune": "La commune, sa province et sa région (1 = le plus fragile)",
        "act_first": "Où agir d'abord, et pourquoi",
        "plan_brief": "Ce que couvre le plan", "caveats": "Précautions de lecture",
        "certainty": "Certitude du rang", "certain_high": "rang sûr", "certain_medium": "rang assez sûr",
        "certain_low": "rang incertain",
        "caveat_simulated": "La dimension «\u00a0usages\u00a0» repose sur des données simulées pour démonstration\u00a0: elle "
                            "entre dans l'indice mais n'est jamais donnée comme raison\u202f; les cartes qui la montrent "
                            "portent un bandeau.",
        "caveat_modelled": "L'usage d'Internet en 2024 est estimé par un modèle (le recensement ne le mesure pas "
                           "par commune)\u00a0: il est donné avec son intervalle à 90\u202f%.",
        "caveat_interval": "Un rang est donné avec son intervalle à 90\u202f%\u00a0: un rang «\u00a0incertain\u00a0» peut changer "
                           "nettement si les pondérations ou les données varient.",
        "simulated_banner": "Données simulées (démonstration)\u00a0: ne pas utiliser pour décider.",
        "key_figures": "Chiffres clés, comparés",
        "figure": "Indicateur", "value": "Valeur", "morocco": "Maroc", "year": "Année",
        "population": "Population légale 2024", "households": "Ménages 2024", "communes": "Communes",
        "sex": "Sexe", "area": "Milieu",
        "sex_all": "ensemble", "sex_female": "femmes", "sex_male": "hommes",
        "area_total": "ensemble", "area_urban": "urbain", "area_rural": "rural",
        "rank": "Rang", "commune": "Commune", "province": "Province", "reason": "Pourquoi", "score": "Indice",
        "rank_of": "sur {n}",
        "no_index": "L'indice composite n'est pas encore calculé dans cette base\u202f; les cartes montrent les "
                    "indicateurs de chaque dimension.",
        "maps": "Cartes",
        "map_index": "Indice de fragilité numérique",
        "classes_national": "Classes nationales (quintiles des 1\u202f503 communes)",
        "classes_provinces": "Classes nationales (quintiles des 75 provinces)",
        "index_simulated": "L'indice inclut la dimension «\u00a0usages\u00a0», simulée pour démonstration.",
        "map_caption": "{classes}\u202f; gris\u00a0: valeur manquante ou masquée\u202f; traits épais\u00a0: provinces\u202f; régions "
                       "voisines en gris. Source\u00a0: {source}.",
        "north": "N", "km": "km", "missing": "sans valeur",
        "provinces": "Provinces et préfectures",
        "provinces_map": "Indice par province",
        "tables": "Communes classées",
        "tables_note": "Rang national sur 1 503 communes (1 = la plus fragile) et son intervalle à 90\u202f%.",
        "changes": "Évolution 2014 → 2024",
        "change": "Écart",
        "models": "Estimations modélisées et projections",
        "interval": "Intervalle à 90\u202f%",
        "no_models": "Aucune estimation modélisée ni projection dans cette base.",
        "method": "Note de méthode\u00a0: l'indice",
        "method_1": "L'indice de fragilité numérique (0–100, plus haut = plus fragile) résume quatre dimensions. "
                    "Chaque indicateur est ramené entre 0 et 1, moyenné dans sa dimension, puis les dimensions "
                    "sont moyennées à poids égaux.",
        "method_2": "L'incertitude est mesurée par 1 000 tirages\u00a0: pondérations, normalisation, agrégation et "
                    "erreur d'échantillonnage du recensement varient. Le rang publié est celui du calcul central\u202f; "
                    "l'intervalle à 90\u202f% contient le rang de 90\u202f% des tirages.",
        "method_3": "Certitude du rang\u00a0: «\u00a0sûr\u00a0» si l'intervalle couvre au plus 10\u202f% des unités classées, «\u00a0assez "
                    "sûr\u00a0» jusqu'à 25\u202f%, «\u00a0incertain\u00a0» au-delà.",
        "method_4": "Statuts\u00a0: publié (par le HCP), calculé ou agrégé (par l'observatoire), estimé (modèle, avec "
                    "intervalle), projeté (scénario), mesuré (connecteur), simulé (démonstration, jamais une "
                    "raison).",
        "dimension": "Dimension", "components": "Composantes",
        "method_usage": "part des démarches faites en ligne et transactions numériques, quand un connecteur les "
                        "charge (simulées dans une base de démonstration)",
        "plan": "Plan de déploiement",
        "plan_scope": "Le plan place {sites} sites (rayon de {radius} km) et couvre {share} du besoin national.",
        "plan_here": "Dans la région, il couvre {share} d'un besoin de {need} personnes\u202f; {left} communes restent "
                     "hors couverture.",
        "plan_naive": "Le meilleur plan simple ({baseline}) sert {naive} ; le plan optimisé fait {gain} "
                      "point(s) de plus.",
        "baseline_greedy": "ajout glouton des sites", "baseline_top_need": "communes au plus fort besoin",
        "baseline_top_index": "communes les plus fragiles",
        "plan_nearest_yes": "La commune est couverte\u00a0: son site le plus proche est à {distance}.",
        "plan_nearest_no": "La commune n'est pas couverte\u00a0: le site le plus proche est à {distance}.",
        "plan_sites": "Sites du plan dans le territoire", "plan_map": "Sites du plan et communes couvertes",
        "plan_coverage": "Couverture du besoin par groupe (plan optimal)",
        "plan_left_out": "Communes laissées hors couverture (plus grand besoin d'abord)",
        "plan_parameters": "Paramètres du plan", "plan_status": "Statut du plan",
        "covered": "couverte", "not_covered": "non couverte", "site": "site",
        "kind": "Type", "kind_new": "nouveau", "kind_existing": "existant",
        "need_served": "Personnes servies", "left_out_count": "Communes non couvertes", "need": "Besoin (personnes)", "covered_share": "Part couverte",
        "distance": "Distance au site le plus proche",
        "group_urban_rural": "Milieu", "group_sex": "Sexe", "group_province": "Province", "group_region": "Région",
        "param_need": "Besoin mesuré", "param_radius": "Rayon desservi", "param_sites": "Nombre de sites",
        "param_rural": "Part rurale minimale", "param_women": "Part féminine minimale", "param_budget": "Budget",
        "none": "aucun",
        "no_plan": "Aucun plan n'est inclus (option --plan)\u00a0: le rapport ne dit rien d'une couverture.",
        "annex": "Méthodes et sources",
        "definitions": "Définitions",
        "sources": "Sources et licences",
        "files": "Fichiers lus par la construction (chacun une fois)",
        "provenance": "Provenance des chiffres",
        "build": "Base construite le {date}, version du code {version}.",
        "status": "Statut", "source": "Source", "licence": "Licence", "file": "Fichier", "version": "Version",
        "jobs": "Traitements",
        "status_legend": "Statuts",
        "page": "Page", "of": "sur",
        "suppressed": "masqué",
        "name": "Nom", "code": "Code", "type": "Milieu",
        "generated": "Rapport généré le {date}",
        "profile": "Profil de la commune",
        "points": "points",
    },
    "ar": {
        "title": "الإنصاف الرقمي المجالي",
        "subtitle": "تقرير",
        "level_region": "جهة", "level_province": "إقليم", "level_commune": "جماعة", "level_country": "المغرب",
        "contents": "الفهرس",
        "brief": "الأساسي في صفحة واحدة",
        "standing": "موقع المجال",
        "peers": "المجال وجيرانه (1 = الأكثر هشاشة)",
        "peers_commune": "الجماعة وإقليمها وجهتها (1 = الأكثر هشاشة)",
        "act_first": "أين نتدخل أولا ولماذا",
        "plan_brief": "ما تغطيه الخطة", "caveats": "تنبيهات للقراءة",
        "certainty": "يقين الرتبة", "certain_high": "رتبة مؤكدة", "certain_medium": "رتبة مؤكدة نسبيا",
        "certain_low": "رتبة غير مؤكدة",
        "caveat_simulated": "يعتمد بعد «الاستخدام» على معطيات محاكاة للعرض: يدخل في المؤشر لكنه لا يقدم أبدا "
                            "كسبب؛ والخرائط التي تعرضه تحمل شريطا تنبيهيا.",
        "caveat_modelled": "استخدام الإنترنت سنة 2024 مقدر بنموذج (لا يقيسه الإحصاء حسب الجماعة): يعرض مع مجاله "
                           "بنسبة 90%.",
        "caveat_interval": "تعطى الرتبة مع مجالها بنسبة 90%: الرتبة «غير المؤكدة» قد تتغير بوضوح إذا تغيرت "
                           "الأوزان أو المعطيات.",
        "simulated_banner": "معطيات محاكاة (للعرض): لا تستعمل لاتخاذ القرار.",
        "key_figures": "أرقام رئيسية مقارنة",
        "figure": "المؤشر", "value": "القيمة", "morocco": "المغرب", "year": "السنة",
        "population": "السكان القانونيون 2024", "households": "الأسر 2024", "communes": "الجماعات",
        "sex": "الجنس", "area": "الوسط",
        "sex_all": "المجموع", "sex_female": "النساء", "sex_male": "الرجال",
        "area_total": "المجموع", "area_urban": "حضري", "area_rural": "قروي",
        "rank": "الرتبة", "commune": "الجماعة", "province": "الإقليم", "reason": "السبب", "score": "المؤشر",
        "rank_of": "من {n}",
        "no_index": "المؤشر المركب غير محسوب بعد في قاعدة البيانات هذه؛ تعرض الخرائط مؤشرات كل بعد.",
        "maps": "خرائط",
        "map_index": "مؤشر الهشاشة الرقمية",
        "classes_national": "فئات وطنية (أخماس الجماعات 1503)",
        "classes_provinces": "فئات وطنية (أخماس الأقاليم 75)",
        "index_simulated": "يشمل المؤشر بعد «الاستخدام» المحاكى للعرض.",
        "map_caption": "{classes}؛ الرمادي: قيمة مفقودة أو محجوبة؛ الخطوط السميكة: الأقاليم؛ الجهات المجاورة "
                       "بالرمادي. المصدر: {source}.",
        "north": "ش", "km": "كلم", "missing": "بدون قيمة",
        "provinces": "الأقاليم والعمالات",
        "provinces_map": "المؤشر حسب الإقليم",
        "tables": "الجماعات مرتبة",
        "tables_note": "الرتبة الوطنية من أصل 1503 جماعة (1 = الأكثر هشاشة) ومجالها بنسبة 90%.",
        "changes": "التطور 2014 ← 2024",
        "change": "الفرق",
        "models": "التقديرات النموذجية والإسقاطات",
        "interval": "مجال 90%",
        "no_models": "لا توجد تقديرات نموذجية ولا إسقاطات في قاعدة البيانات هذه.",
        "method": "مذكرة منهجية: المؤشر",
        "method_1": "يلخص مؤشر الهشاشة الرقمية (0–100، كلما ارتفع زادت الهشاشة) أربعة أبعاد. يرد كل مؤشر إلى ما "
                    "بين 0 و1، ويحسب متوسطه داخل بعده، ثم تحسب متوسطات الأبعاد بأوزان متساوية.",
        "method_2": "يقاس عدم اليقين بـ1000 سحب تتغير فيها الأوزان والتطبيع والتجميع وخطأ المعاينة في الإحصاء. "
                    "الرتبة المنشورة هي رتبة الحساب المركزي؛ ويضم مجال 90% رتبة 90% من السحوبات.",
        "method_3": "يقين الرتبة: «مؤكدة» إذا غطى المجال 10% على الأكثر من الوحدات المرتبة، و«مؤكدة نسبيا» حتى "
                    "25%، و«غير مؤكدة» فيما فوق ذلك.",
        "method_4": "الأوضاع: منشور (من طرف المندوبية السامية للتخطيط)، محسوب أو مجمع (من طرف المرصد)، مقدر "
                    "(نموذج مع مجال)، مسقط (سيناريو)، مقاس (رابط)، محاكى (للعرض، لا يقدم أبدا كسبب).",
        "dimension": "البعد", "components": "المكونات",
        "method_usage": "حصة الإجراءات المنجزة عبر الإنترنت والمعاملات الرقمية، عند تحميلها بواسطة رابط (محاكاة في "
                        "قاعدة بيانات للعرض)",
        "plan": "خطة الانتشار",
        "plan_scope": "تضع الخطة {sites} موقعا (شعاع {radius} كلم) وتغطي {share} من الحاجة الوطنية.",
        "plan_here": "تغطي في الجهة {share} من حاجة {need} شخصا؛ وتبقى {left} جماعة خارج التغطية.",
        "plan_naive": "أفضل خطة بسيطة ({baseline}) تخدم {naive}؛ الخطة المحسنة تزيد بـ {gain} نقطة.",
        "baseline_greedy": "إضافة المواقع تباعا", "baseline_top_need": "الجماعات الأكثر حاجة",
        "baseline_top_index": "الجماعات الأكثر هشاشة",
        "plan_nearest_yes": "الجماعة مغطاة: أقرب موقع على بعد {distance}.",
        "plan_nearest_no": "الجماعة غير مغطاة: أقرب موقع على بعد {distance}.",
        "plan_sites": "مواقع الخطة داخل المجال", "plan_map": "مواقع الخطة والجماعات المغطاة",
        "plan_coverage": "تغطية الحاجة حسب الفئة (الخطة المثلى)",
        "plan_left_out": "الجماعات خارج التغطية (الأكبر حاجة أولا)",
        "plan_parameters": "معايير الخطة", "plan_status": "وضع الخطة",
        "covered": "مغطاة", "not_covered": "غير مغطاة", "site": "موقع",
        "kind": "النوع", "kind_new": "جديد", "kind_existing": "قائم",
        "need_served": "الأشخاص المخدومون", "left_out_count": "جماعات غير مغطاة", "need": "الحاجة (أشخاص)", "covered_share": "الحصة المغطاة",
        "distance": "المسافة إلى أقرب موقع",
        "group_urban_rural": "الوسط", "group_sex": "الجنس", "group_province": "الإقليم", "group_region": "الجهة",
        "param_need": "الحاجة المقيسة", "param_radius": "شعاع الخدمة", "param_sites": "عدد المواقع",
        "param_rural": "الحد الأدنى للحصة القروية", "param_women": "الحد الأدنى لحصة النساء", "param_budget": "الميزانية",
        "none": "لا شيء",
        "no_plan": "لا يتضمن هذا التقرير أي خطة انتشار: لا يقول شيئا عن التغطية.",
        "annex": "المنهجية والمصادر",
        "definitions": "التعاريف",
        "sources": "المصادر والتراخيص",
        "files": "الملفات المقروءة عند البناء (كل ملف مرة واحدة)",
        "provenance": "مصدر الأرقام",
        "build": "أنشئت قاعدة البيانات في {date}، إصدار البرنامج {version}.",
        "status": "الوضع", "source": "المصدر", "licence": "الترخيص", "file": "الملف", "version": "الإصدار",
        "jobs": "المعالجات",
        "status_legend": "أوضاع القيم",
        "page": "صفحة", "of": "من",
        "suppressed": "محجوب",
        "name": "الاسم", "code": "الرمز", "type": "الوسط",
        "generated": "أنجز التقرير في {date}",
        "profile": "بطاقة الجماعة",
        "points": "نقطة",
    },
    "en": {
        "title": "Territorial digital equity",
        "subtitle": "Report",
        "level_region": "Region", "level_province": "Province", "level_commune": "Commune", "level_country": "Morocco",
        "contents": "Contents",
        "brief": "The essentials on one page",
        "standing": "Where the area stands",
        "peers": "The area and its neighbours (1 = most fragile)",
        "peers_commune": "The commune, its province and its region (1 = most fragile)",
        "act_first": "Where to act first, and why",
        "plan_brief": "What the plan covers", "caveats": "Read with care",
        "certainty": "Rank certainty", "certain_high": "firm rank", "certain_medium": "fairly firm rank",
        "certain_low": "uncertain rank",
        "caveat_simulated": "The usage dimension rests on data simulated for demonstration: it enters the index but is "
                            "never given as a reason; maps that show it carry a banner.",
        "caveat_modelled": "Internet use in 2024 is estimated by a model (the census does not measure it by "
                           "commune): it is given with its 90% interval.",
        "caveat_interval": "A rank comes with its 90% interval: an 'uncertain' rank may change markedly when the "
                           "weights or the data vary.",
        "simulated_banner": "Simulated data (demonstration): not for decisions.",
        "key_figures": "Key figures, compared",
        "figure": "Indicator", "value": "Value", "morocco": "Morocco", "year": "Year",
        "population": "Legal population 2024", "households": "Households 2024", "communes": "Communes",
        "sex": "Sex", "area": "Area",
        "sex_all": "all", "sex_female": "women", "sex_male": "men",
        "area_total": "total", "area_urban": "urban", "area_rural": "rural",
        "rank": "Rank", "commune": "Commune", "province": "Province", "reason": "Why", "score": "Index",
        "rank_of": "of {n}",
        "no_index": "The composite index is not computed in this database yet; the maps show each dimension's "
                    "indicators.",
        "maps": "Maps",
        "map_index": "Digital fragility index",
        "classes_national": "National classes (quintiles of the 1,503 communes)",
        "classes_provinces": "National classes (quintiles of the 75 provinces)",
        "index_simulated": "The index includes the usage dimension, simulated for demonstration.",
        "map_caption": "{classes}; grey: missing or suppressed value; thick lines: provinces; neighbouring regions "
                       "in grey. Source: {source}.",
        "north": "N", "km": "km", "missing": "no value",
        "provinces": "Provinces and prefectures",
        "provinces_map": "Index by province",
        "tables": "Communes ranked",
        "tables_note": "National rank of 1,503 communes (1 = most fragile) and its 90% interval.",
        "changes": "Change 2014 → 2024",
        "change": "Change",
        "models": "Modelled estimates and forecasts",
        "interval": "90% interval",
        "no_models": "No modelled estimates or forecasts in this database.",
        "method": "Method note: the index",
        "method_1": "The digital fragility index (0–100, higher = more fragile) sums up four dimensions. Each "
                    "indicator is scaled to 0–1 and averaged within its dimension; the dimensions are then averaged "
                    "with equal weights.",
        "method_2": "Uncertainty comes from 1,000 draws varying the weights, the scaling, the aggregation and the "
                    "census sampling error. The published rank is the central computation's; the 90% interval holds "
                    "the rank of 90% of the draws.",
        "method_3": "Rank certainty: 'firm' when the interval spans at most 10% of the ranked units, 'fairly firm' up "
                    "to 25%, 'uncertain' beyond.",
        "method_4": "Statuses: published (by HCP), computed or aggregated (by the observatory), estimated (model, with "
                    "interval), projected (scenario), measured (connector), simulated (demonstration, never a "
                    "reason).",
        "dimension": "Dimension", "components": "Components",
        "method_usage": "share of procedures done online and digital transactions, when a connector loads them "
                        "(simulated in a demonstration database)",
        "plan": "Deployment plan",
        "plan_scope": "The plan places {sites} sites ({radius} km radius) and covers {share} of the national need.",
        "plan_here": "In the region it covers {share} of a need of {need} people; {left} communes are left "
                     "uncovered.",
        "plan_naive": "The best simple plan ({baseline}) serves {naive}; the optimised plan serves {gain} "
                      "point(s) more.",
        "baseline_greedy": "greedy site by site", "baseline_top_need": "communes with the largest need",
        "baseline_top_index": "most fragile communes",
        "plan_nearest_yes": "The commune is covered: its nearest site is {distance} away.",
        "plan_nearest_no": "The commune is not covered: the nearest site is {distance} away.",
        "plan_sites": "The plan's sites in the area", "plan_map": "The plan's sites and covered communes",
        "plan_coverage": "Need covered by group (optimal plan)",
        "plan_left_out": "Communes left uncovered (largest need first)",
        "plan_parameters": "The plan's parameters", "plan_status": "Plan status",
        "covered": "covered", "not_covered": "not covered", "site": "site",
        "kind": "Type", "kind_new": "new", "kind_existing": "existing",
        "need_served": "People served", "left_out_count": "Communes uncovered", "need": "Need (people)", "covered_share": "Share covered",
        "distance": "Distance to the nearest site",
        "group_urban_rural": "Area", "group_sex": "Sex", "group_province": "Province", "group_region": "Region",
        "param_need": "Need measured", "param_radius": "Radius served", "param_sites": "Number of sites",
        "param_rural": "Minimum rural share", "param_women": "Minimum women's share", "param_budget": "Budget",
        "none": "none",
        "no_plan": "No plan is included (option --plan): the report says nothing about coverage.",
        "annex": "Methods and sources",
        "definitions": "Definitions",
        "sources": "Sources and licences",
        "files": "Files read by the build (each once)",
        "provenance": "Provenance of the figures",
        "build": "Database built on {date}, code version {version}.",
        "status": "Status", "source": "Source", "licence": "Licence", "file": "File", "version": "Version",
        "jobs": "Jobs",
        "status_legend": "Statuses",
        "page": "Page", "of": "of",
        "suppressed": "suppressed",
        "name": "Name", "code": "Code", "type": "Area",
        "generated": "Report generated on {date}",
        "profile": "Commune profile",
        "points": "points",
    },
}

#: Status words, including `scenario` (projections under stated assumptions) ahead of its enumeration.
_STATUS_WORDS = {
    "fr": {"published": "publié", "aggregated": "agrégé", "derived": "calculé", "measured": "mesuré",
           "modelled": "estimé", "forecast": "projeté", "scenario": "scénario", "simulated": "simulé"},
    "ar": {"published": "منشور", "aggregated": "مجمع", "derived": "محسوب", "measured": "مقاس",
           "modelled": "مقدر", "forecast": "مسقط", "scenario": "سيناريو", "simulated": "محاكى"},
    "en": {"published": "published", "aggregated": "aggregated", "derived": "computed", "measured": "measured",
           "modelled": "estimated", "forecast": "projected", "scenario": "scenario", "simulated": "simulated"},
}
_STATUS_MEANINGS = {
    "fr": {"published": "publié par la source pour cette unité",
           "aggregated": "agrégé des communes par l'observatoire, chacune pondérée par son dénominateur",
           "derived": "calculé par l'observatoire à partir de chiffres publiés",
           "measured": "mesuré par un connecteur (tests de débit, exports d'usage)",
           "modelled": "estimé par un modèle statistique, avec un intervalle",
           "forecast": "projeté par un modèle au-delà du dernier recensement, avec un intervalle",
           "scenario": "projeté sous des hypothèses déclarées",
           "simulated": "généré pour démonstration : pas une mesure"},
    "ar": {"published": "منشور من طرف المصدر لهذه الوحدة", "aggregated": "مجمع من الجماعات من طرف المرصد",
           "derived": "محسوب من طرف المرصد من أرقام منشورة", "measured": "مقاس بواسطة رابط (اختبارات السرعة، الاستخدام)",
           "modelled": "مقدر بنموذج إحصائي مع مجال", "forecast": "مسقط بنموذج بعد آخر إحصاء مع مجال",
           "scenario": "مسقط وفق فرضيات معلنة", "simulated": "مولد للعرض: ليس قياسا"},
    "en": {"published": "published by the source for this unit",
           "aggregated": "aggregated from communes by the observatory, each weighted by its denominator",
           "derived": "computed by the observatory from published figures",
           "measured": "measured by a connector (speed tests, usage exports)",
           "modelled": "estimated by a statistical model, with an interval",
           "forecast": "projected by a model beyond the last census, with an interval",
           "scenario": "projected under stated assumptions", "simulated": "generated for demonstration: not a measurement"},
}
#: Every status of `observatory.enums.STATUSES` in words, and what it means (for the annex).
STATUS_TEXT = {lang: {s: words.get(s, s) for s in STATUSES} for lang, words in _STATUS_WORDS.items()}
STATUS_MEANING = {lang: {s: words.get(s, STATUSES[s]) for s in STATUSES} for lang, words in _STATUS_MEANINGS.items()}

#: Licences in words, by the short name that opens or ends the stored licence text.
LICENCE_TEXT = {
    "CC BY 4.0": {"fr": "CC BY 4.0 : réutilisable, y compris commercialement, en citant la source et les "
                        "modifications.",
                  "ar": "CC BY 4.0: قابل لإعادة الاستعمال، بما في ذلك تجاريا، مع ذكر المصدر والتعديلات.",
                  "en": "CC BY 4.0: reusable, commercially too, crediting the source and saying what changed."},
    "CC BY-NC-SA 4.0": {"fr": "CC BY-NC-SA 4.0 : usage non commercial, partage à l'identique.",
                        "ar": "CC BY-NC-SA 4.0: استعمال غير تجاري ومشاركة بالمثل.",
                        "en": "CC BY-NC-SA 4.0: non-commercial use, share alike."},
    "ODbL-1.0": {"fr": "ODbL 1.0 : base de données ouverte, partage à l'identique.",
                 "ar": "ODbL 1.0: قاعدة بيانات مفتوحة، مشاركة بالمثل.",
                 "en": "ODbL 1.0: open database, share alike."},
    "MIT": {"fr": "MIT : licence libre.", "ar": "MIT: ترخيص حر.", "en": "MIT: free licence."},
}


def licence_words(licence: str, lang: str) -> str:
    """A stored licence text said in `lang` by its short name; an unknown licence is shown as stored."""
    found = [k for k in LICENCE_TEXT if k in str(licence)]
    return LICENCE_TEXT[max(found, key=len)][lang] if found else str(licence)


def words(lang: str) -> dict[str, str]:
    """The report's words in a language (fr, ar, en)."""
    if lang not in TEXT:
        raise unknown_name("language", lang, LANGUAGES)
    return TEXT[lang]
