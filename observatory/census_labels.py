"""
Readable labels, in French and Arabic, of the census fields the registry declares from HCP's field
dictionary (`registry.census_entries`), and of the themes those fields are grouped under.

HCP's dictionary gives an English label and a French heading that is often a whole table title, or a
fragment of one ("2 · De 20 à moins de 50 ans"): a page cannot show either as it stands, and it has no
Arabic. The labels here say what the figure is, short enough for a table row, and the themes name the
groups a profile folds them into.
"""

from __future__ import annotations

from .formatting import arabic_count_form

#: Theme (HCP topic, as the field dictionary spells it) -> its name in French, Arabic and English.
THEMES: dict[str, tuple[str, str, str]] = {
    "population": ("Population", "السكان", "Population"),
    "sex": ("Sexe", "الجنس", "Sex"),
    "age": ("Âge", "السن", "Age"),
    "maritalStatus": ("État matrimonial", "الحالة الزواجية", "Marital status"),
    "fertility": ("Fécondité", "الخصوبة", "Fertility"),
    "disability": ("Handicap", "الإعاقة", "Disability"),
    "schooling": ("Scolarisation", "التمدرس", "School enrolment"),
    "illiteracy": ("Analphabétisme", "الأمية", "Illiteracy"),
    "languagesReadAndWritten": (
        "Langues lues et écrites",
        "اللغات المقروءة والمكتوبة",
        "Languages read and written",
    ),
    "education": ("Niveau d'études", "المستوى الدراسي", "Education"),
    "localLanguages": ("Langues locales", "اللغات المحلية", "Local languages"),
    "labour": ("Activité et chômage", "النشاط والبطالة", "Work and unemployment"),
    "employmentStatus": ("Statut professionnel", "الحالة في المهنة", "Employment status"),
    "commute": ("Trajet domicile-travail", "التنقل إلى العمل", "Commute to work"),
    "households": ("Ménages", "الأسر", "Households"),
    "dwellingType": ("Type de logement", "نوع المسكن", "Type of dwelling"),
    "occupancy": ("Statut d'occupation", "الوضع القانوني للسكن", "Tenure"),
    "dwellingAge": ("Âge du logement", "عمر المسكن", "Age of dwelling"),
    "amenities": ("Confort du logement", "التجهيزات الأساسية للمسكن", "Amenities"),
    "wastewater": ("Eaux usées", "الصرف الصحي", "Wastewater"),
    "householdWaste": ("Déchets ménagers", "النفايات المنزلية", "Household waste"),
    "cookingFuel": ("Combustible de cuisson", "طاقة الطهي", "Cooking fuel"),
    "languageCombinations": (
        "Langues lues et écrites (2014)",
        "اللغات المقروءة والمكتوبة (2014)",
        "Languages read and written (2014)",
    ),
    "workplace": ("Lieu de travail", "مكان العمل", "Place of work"),
    "study": ("Lieu d'études", "مكان الدراسة", "Place of study"),
    "studyCommute": ("Trajet vers le lieu d'études", "التنقل إلى مكان الدراسة", "Commute to study"),
    "profession": ("Profession", "المهنة", "Occupation"),
    "workSector": ("Secteur d'activité", "قطاع النشاط", "Sector of work"),
    "diploma": ("Diplôme de l'enseignement général", "شهادة التعليم العام", "General-education diploma"),
    "vocationalDiploma": (
        "Diplôme de la formation professionnelle",
        "شهادة التكوين المهني",
        "Vocational diploma",
    ),
    "equipment": ("Équipement des ménages", "تجهيزات الأسر", "Household equipment"),
    "establishments": ("Établissements", "المؤسسات", "Establishments"),
    "sector": ("Entreprises par secteur", "المقاولات حسب القطاع", "Businesses by sector"),
    "size": ("Entreprises par taille", "المقاولات حسب الحجم", "Businesses by size"),
    "founded": (
        "Entreprises par date de création",
        "المقاولات حسب سنة الإحداث",
        "Businesses by year founded",
    ),
    "dwellings": ("Logements urbains", "المساكن الحضرية", "Urban dwellings"),
    "dwellingsOccupancy": (
        "Occupation des logements urbains",
        "إشغال المساكن الحضرية",
        "Occupancy of urban dwellings",
    ),
    "dwellingsAge": ("Âge des logements urbains", "عمر المساكن الحضرية", "Age of urban dwellings"),
    "dwellingsType": ("Logements urbains par type", "المساكن الحضرية حسب النوع", "Urban dwellings by type"),
    "dwellingsAgeByType": (
        "Âge des logements urbains par type",
        "عمر المساكن الحضرية حسب النوع",
        "Age of urban dwellings by type",
    ),
    "dwellingsWalls": ("Matériaux des murs", "مواد بناء الجدران", "Wall materials"),
    "dwellingsRoofs": ("Matériaux des toits", "مواد بناء الأسقف", "Roof materials"),
    "dwellingsNetworks": ("Raccordement aux réseaux", "الربط بالشبكات", "Connection to networks"),
    "usage": ("Usage des services numériques", "استخدام الخدمات الرقمية", "Use of digital services"),
    "access": ("Accès et connectivité", "الولوج والربط", "Access and connectivity"),
    "vulnerability": ("Vulnérabilité", "الهشاشة", "Vulnerability"),
    "forecast": ("Projections", "الإسقاطات", "Projections"),
    "connectivity": ("Débits mesurés", "الصبيب المقيس", "Measured speeds"),
    "other": ("Autres indicateurs", "مؤشرات أخرى", "Other indicators"),
}


def theme(dataset: str, topic: str) -> str:
    """The theme a field belongs to: its HCP topic, made distinct for the housing survey, whose topics
    (`age`, `occupancy`) reuse the census's names for other things."""
    if dataset == "housing" and topic != "dwellings":
        return "dwellings" + topic[:1].upper() + topic[1:]
    return topic


_AGE_GROUPS = (
    "0_4",
    "5_9",
    "10_14",
    "15_19",
    "20_24",
    "25_29",
    "30_34",
    "35_39",
    "40_44",
    "45_49",
    "50_54",
    "55_59",
    "60_64",
    "65_69",
    "70_74",
)


def _age_groups() -> dict[str, tuple[str, str]]:
    labels = {}
    for group in _AGE_GROUPS:
        low, high = group.split("_")
        years = "سنوات" if arabic_count_form(int(high)) == "few" else "سنة"
        labels[f"age_{group}"] = (f"Âge {low}-{high} ans", f"الفئة العمرية من {low} إلى {high} {years}")
    labels["age_75_plus"] = ("Âge 75 ans ou plus", "الفئة العمرية 75 سنة فأكثر")
    return labels


_DWELLING_KINDS = {
    "villa": ("Villa", "فيلا"),
    "apartment": ("Appartement", "شقة"),
    "traditional": ("Maison marocaine traditionnelle", "دار مغربية تقليدية"),
    "modern": ("Maison marocaine moderne", "دار مغربية عصرية"),
    "sound": ("Logement non précaire", "سكن غير هش"),
    "slum": ("Maison sommaire ou bidonville", "سكن بدائي أو صفيح"),
    "rural_type": ("Logement de type rural", "سكن من النوع القروي"),
    "other": ("Autre type", "نوع آخر"),
    "precarious": ("Logement précaire", "سكن هش"),
}
_DWELLING_AGES = {
    "under_20": ("moins de 20 ans", "أقل من 20 سنة"),
    "20_to_49": ("20 à 49 ans", "من 20 إلى 49 سنة"),
    "50_plus": ("50 ans ou plus", "50 سنة فأكثر"),
}


def _dwelling_age_by_type() -> dict[str, tuple[str, str]]:
    return {
        f"dwellings_age_by_type_{kind}_{age}": (f"{kind_fr}, {age_fr}", f"{kind_ar}، {age_ar}")
        for kind, (kind_fr, kind_ar) in _DWELLING_KINDS.items()
        for age, (age_fr, age_ar) in _DWELLING_AGES.items()
    }


_FOUNDED = {
    "before_1956": ("avant 1956", "قبل 1956"),
    "1956_1980": ("1956-1980", "من 1956 إلى 1980"),
    "1981_1990": ("1981-1990", "من 1981 إلى 1990"),
    "1991_2000": ("1991-2000", "من 1991 إلى 2000"),
    "2001_2010": ("2001-2010", "من 2001 إلى 2010"),
    "2011_2019": ("2011-2019", "من 2011 إلى 2019"),
    "2020_plus": ("2020 et après", "2020 وما بعدها"),
}
_SIZES = {
    "1": ("1 personne", "شخص واحد"),
    "2_3": ("2 à 3 personnes", "من 2 إلى 3 أشخاص"),
    "4_9": ("4 à 9 personnes", "من 4 إلى 9 أشخاص"),
    "10_49": ("10 à 49 personnes", "من 10 إلى 49 شخصا"),
    "50_plus": ("50 personnes ou plus", "50 شخصا فأكثر"),
}


def _businesses() -> dict[str, tuple[str, str]]:
    labels = {
        f"establishments_founded_{key}": (f"Entreprises créées {fr}", f"مقاولات أحدثت {ar}")
        for key, (fr, ar) in _FOUNDED.items()
    }
    labels.update(
        {
            f"establishments_size_{key}": (f"Entreprises de {fr}", f"مقاولات تشغل {ar}")
            for key, (fr, ar) in _SIZES.items()
        }
    )
    return labels


#: Census field id -> (French label, Arabic label). The English label is HCP dictionary's own.
LABELS: dict[str, tuple[str, str]] = {
    "population_legal": ("Population légale", "السكان القانونيون"),
    "population_municipal": ("Population municipale", "السكان البلديون"),
    "sex_male": ("Hommes", "الذكور"),
    "sex_female": ("Femmes", "الإناث"),
    **_age_groups(),
    "marital_status_population_15_plus": ("Population de 15 ans et plus", "السكان البالغون 15 سنة فأكثر"),
    "marital_status_single": ("Célibataires, 15 ans et plus", "العزاب، 15 سنة فأكثر"),
    "marital_status_married": ("Mariés, 15 ans et plus", "المتزوجون، 15 سنة فأكثر"),
    "marital_status_divorced": ("Divorcés, 15 ans et plus", "المطلقون، 15 سنة فأكثر"),
    "marital_status_widowed": ("Veufs, 15 ans et plus", "الأرامل، 15 سنة فأكثر"),
    "marital_status_singulate_mean_age_at_marriage": (
        "Âge moyen au premier mariage",
        "متوسط السن عند الزواج الأول",
    ),
    "fertility_total_fertility_rate": ("Indice synthétique de fécondité", "المؤشر التركيبي للخصوبة"),
    "fertility_completed_fertility": (
        "Descendance finale des femmes de 45-49 ans",
        "الخصوبة المكتملة للنساء من 45 إلى 49 سنة",
    ),
    "schooling_population_7_to_12": ("Population de 7 à 12 ans", "السكان من 7 إلى 12 سنة"),
    "schooling_rate_6_to_11": (
        "Taux de scolarisation des 6-11 ans, 2023-2024",
        "نسبة تمدرس الأطفال من 6 إلى 11 سنة، الموسم الدراسي 2023-2024",
    ),
    "schooling_rate_7_to_12": ("Taux de scolarisation des 7-12 ans", "نسبة تمدرس الأطفال من 7 إلى 12 سنة"),
    "illiteracy_population_10_plus": ("Population de 10 ans et plus", "السكان البالغون 10 سنوات فأكثر"),
    "illiteracy_population_15_plus": ("Population de 15 ans et plus", "السكان البالغون 15 سنة فأكثر"),
    "languages_read_and_written_literate_population_10_plus": (
        "Population alphabétisée de 10 ans et plus",
        "السكان المتعلمون البالغون 10 سنوات فأكثر",
    ),
    "languages_read_and_written_arabic": ("Lisent et écrivent l'arabe", "يقرؤون ويكتبون العربية"),
    "languages_read_and_written_amazigh_tifinagh": (
        "Lisent et écrivent l'amazighe en tifinagh",
        "يقرؤون ويكتبون الأمازيغية بتيفيناغ",
    ),
    "languages_read_and_written_english": ("Lisent et écrivent l'anglais", "يقرؤون ويكتبون الإنجليزية"),
    "education_preschool": ("Niveau préscolaire", "المستوى: التعليم الأولي"),
    "education_primary": ("Niveau primaire", "المستوى: الابتدائي"),
    "education_lower_secondary": ("Niveau secondaire collégial", "المستوى: الثانوي الإعدادي"),
    "education_upper_secondary": ("Niveau secondaire qualifiant", "المستوى: الثانوي التأهيلي"),
    "education_higher": ("Niveau supérieur", "المستوى: العالي"),
    "local_languages_darija": ("Parlent la darija", "يتحدثون الدارجة"),
    "local_languages_tachelhit": ("Parlent le tachelhit", "يتحدثون تشلحيت"),
    "local_languages_tamazight": ("Parlent le tamazight", "يتحدثون تمازيغت"),
    "local_languages_tarifit": ("Parlent le tarifit", "يتحدثون تاريفيت"),
    "local_languages_hassania": ("Parlent le hassania", "يتحدثون الحسانية"),
    "labour_population_15_plus": ("Population de 15 ans et plus", "السكان البالغون 15 سنة فأكثر"),
    "labour_active": ("Population active de 15 ans et plus", "السكان النشيطون البالغون 15 سنة فأكثر"),
    "labour_inactive": ("Population inactive de 15 ans et plus", "السكان غير النشيطين البالغون 15 سنة فأكثر"),
    "labour_activity_rate": ("Taux d'activité des 15 ans et plus", "معدل النشاط، 15 سنة فأكثر"),
    "labour_unemployment_rate": ("Taux de chômage", "معدل البطالة"),
    "labour_employed": ("Actifs occupés de 15 ans et plus", "النشيطون المشتغلون البالغون 15 سنة فأكثر"),
    "employment_status_employer": ("Employeurs", "المشغلون"),
    "employment_status_self_employed": ("Indépendants", "المستقلون"),
    "employment_status_public_sector": ("Salariés du secteur public", "أجراء القطاع العام"),
    "employment_status_private_sector": ("Salariés du secteur privé", "أجراء القطاع الخاص"),
    "employment_status_family_worker": ("Aides familiaux", "المساعدون العائليون"),
    "employment_status_apprentice": ("Apprentis", "المتعلمون"),
    "employment_status_cooperative_member": ("Coopérateurs ou associés", "المتعاونون أو الشركاء"),
    "employment_status_other": ("Autre statut", "وضعية أخرى"),
    "commute_employed": (
        "Actifs occupés sédentaires de 15 ans et plus",
        "النشيطون المشتغلون المستقرون، 15 سنة فأكثر",
    ),
    "commute_walking": ("Vont au travail à pied", "يتنقلون إلى العمل مشيا"),
    "commute_bike_or_motorcycle": ("À vélo ou à moto", "بالدراجة أو الدراجة النارية"),
    "commute_private_car": ("En voiture particulière", "بسيارة خاصة"),
    "commute_bus": ("En bus", "بالحافلة"),
    "commute_taxi": ("En taxi", "بسيارة الأجرة"),
    "commute_employer_transport": ("Transport de l'employeur", "بنقل المشغل"),
    "commute_train": ("En train", "بالقطار"),
    "commute_tram": ("En tramway", "بالترامواي"),
    "commute_informal_transport": ("Transport informel", "بالنقل غير المهيكل"),
    "commute_animal": ("À dos d'animal", "على الدواب"),
    "commute_other": ("Autre moyen", "وسيلة أخرى"),
    "commute_no_travel": ("Ne se déplacent pas pour travailler", "لا يتنقلون إلى العمل"),
    "commute_works_at_home": ("Travaillent à domicile", "يعملون في المنزل"),
    "commute_undetermined": ("Non déterminé", "غير محدد"),
    "households_municipal_population": ("Population municipale", "السكان البلديون"),
    "households_count": ("Ménages", "عدد الأسر"),
    "households_average_size": ("Taille moyenne des ménages", "متوسط حجم الأسرة"),
    "households_sedentary": ("Ménages sédentaires", "الأسر المستقرة"),
    "households_people_per_room": ("Personnes par pièce", "عدد الأفراد في الغرفة"),
    "dwelling_type_villa": ("Villa ou étage de villa", "فيلا أو طابق من فيلا"),
    "dwelling_type_apartment": ("Appartement", "شقة"),
    "dwelling_type_moroccan_house": ("Maison marocaine", "دار مغربية"),
    "dwelling_type_basic_or_slum": ("Maison sommaire ou bidonville", "سكن بدائي أو صفيح"),
    "dwelling_type_rural": ("Logement rural", "سكن قروي"),
    "dwelling_type_other": ("Autre type de logement", "نوع آخر من السكن"),
    "occupancy_owner": ("Propriétaires", "ملاكون"),
    "occupancy_tenant": ("Locataires", "مكترون"),
    "occupancy_other": ("Autre statut d'occupation", "وضع آخر"),
    "dwelling_age_under_10": ("Logement de moins de 10 ans", "مسكن عمره أقل من 10 سنوات"),
    "dwelling_age_10_19": ("Logement de 10 à 19 ans", "مسكن عمره من 10 إلى 19 سنة"),
    "dwelling_age_20_49": ("Logement de 20 à 49 ans", "مسكن عمره من 20 إلى 49 سنة"),
    "dwelling_age_50_plus": ("Logement de 50 ans ou plus", "مسكن عمره 50 سنة فأكثر"),
    "amenities_kitchen": ("Ménages disposant d'une cuisine", "أسر تتوفر على مطبخ"),
    "amenities_toilet": ("Ménages disposant de W.-C.", "أسر تتوفر على مرحاض"),
    "amenities_bathroom": ("Ménages disposant d'une pièce d'eau", "أسر تتوفر على حمام أو مرش"),
    "amenities_running_water": ("Ménages disposant de l'eau courante", "أسر تتوفر على الماء الجاري"),
    "wastewater_public_sewer": ("Réseau public d'assainissement", "الشبكة العمومية للتطهير"),
    "wastewater_septic_tank": ("Fosse septique", "حفرة صحية"),
    "wastewater_other": ("Autre évacuation des eaux usées", "طريقة أخرى لصرف المياه العادمة"),
    "household_waste_municipal_bin": ("Bac à ordures de la commune", "حاوية الجماعة"),
    "household_waste_truck": ("Camion de la commune ou privé", "شاحنة الجماعة أو شاحنة خاصة"),
    "household_waste_in_the_open": ("Déchets jetés dans la nature", "النفايات ترمى في الطبيعة"),
    "household_waste_other": ("Autre évacuation des déchets", "طريقة أخرى للتخلص من النفايات"),
    "household_waste_other_or_open": ("Dans la nature ou autrement", "في الطبيعة أو بطريقة أخرى"),
    "cooking_fuel_gas": ("Cuisine au gaz", "الطهي بالغاز"),
    "cooking_fuel_electricity": ("Cuisine à l'électricité", "الطهي بالكهرباء"),
    "cooking_fuel_charcoal": ("Cuisine au charbon", "الطهي بالفحم"),
    "cooking_fuel_firewood": ("Cuisine au bois", "الطهي بالحطب"),
    "cooking_fuel_other": ("Autre combustible", "وقود آخر"),
    "cooking_fuel_animal_waste": ("Cuisine aux déjections animales", "الطهي بروث الحيوانات"),
    "language_combinations_arabic_only": ("Arabe seulement", "العربية فقط"),
    "language_combinations_arabic_and_french": ("Arabe et français seulement", "العربية والفرنسية فقط"),
    "language_combinations_arabic_french_english": (
        "Arabe, français et anglais",
        "العربية والفرنسية والإنجليزية",
    ),
    "language_combinations_other": ("Autres combinaisons", "تركيبات أخرى"),
    "workplace_at_home": ("Travaillent à domicile", "يعملون في المنزل"),
    "workplace_own_neighbourhood": ("Dans leur quartier ou douar", "في حيهم أو دوارهم"),
    "workplace_other_neighbourhood": (
        "Dans un autre quartier ou douar de la commune",
        "في حي أو دوار آخر بالجماعة",
    ),
    "workplace_other_commune": ("Dans une autre commune de la province", "في جماعة أخرى بالإقليم"),
    "workplace_other_province": ("Dans une autre province", "في إقليم آخر"),
    "workplace_no_fixed_place": ("Sans lieu fixe", "بدون مكان قار"),
    "workplace_elsewhere": ("Ailleurs", "في مكان آخر"),
    "workplace_undetermined": ("Lieu non déterminé", "مكان غير محدد"),
    "study_students": ("Population scolarisée", "السكان المتمدرسون"),
    "study_own_neighbourhood": ("Étudient dans leur quartier ou douar", "يدرسون في حيهم أو دوارهم"),
    "study_other_neighbourhood": (
        "Dans un autre quartier ou douar de la commune",
        "في حي أو دوار آخر بالجماعة",
    ),
    "study_other_commune": ("Dans une autre commune de la province", "في جماعة أخرى بالإقليم"),
    "study_other_province": ("Dans une autre province", "في إقليم آخر"),
    "study_elsewhere": ("Ailleurs", "في مكان آخر"),
    "study_undetermined": ("Lieu non déterminé", "مكان غير محدد"),
    "study_commute_walking": ("Vont étudier à pied", "يتنقلون إلى الدراسة مشيا"),
    "study_commute_bike_or_motorcycle": ("À vélo ou à moto", "بالدراجة أو الدراجة النارية"),
    "study_commute_private_car": ("En voiture particulière", "بسيارة خاصة"),
    "study_commute_bus": ("En bus", "بالحافلة"),
    "study_commute_taxi": ("En taxi", "بسيارة الأجرة"),
    "study_commute_school_transport": ("Transport scolaire", "بالنقل المدرسي"),
    "study_commute_train": ("En train", "بالقطار"),
    "study_commute_tram": ("En tramway", "بالترامواي"),
    "study_commute_other": ("Autre moyen", "وسيلة أخرى"),
    "study_commute_undetermined": ("Non déterminé", "غير محدد"),
    "profession_employed": ("Actifs occupés de 15 ans et plus", "النشيطون المشتغلون البالغون 15 سنة فأكثر"),
    "profession_managers_and_professionals": (
        "Responsables, directeurs et cadres supérieurs",
        "المسؤولون والمديرون والأطر العليا",
    ),
    "profession_technicians": ("Techniciens et professions intermédiaires", "التقنيون والمهن الوسيطة"),
    "profession_clerks": ("Employés", "المستخدمون"),
    "profession_traders": ("Commerçants et intermédiaires", "التجار والوسطاء"),
    "profession_farmers": (
        "Exploitants agricoles, pêcheurs et forestiers",
        "المستغلون الفلاحيون والصيادون والحراجيون",
    ),
    "profession_artisans": ("Artisans et ouvriers qualifiés", "الحرفيون والعمال المؤهلون"),
    "profession_farm_labourers": ("Ouvriers agricoles et de la pêche", "العمال الفلاحيون وعمال الصيد"),
    "profession_machine_operators": (
        "Conducteurs de machines et ouvriers d'assemblage",
        "سائقو الآلات وعمال التركيب",
    ),
    "profession_labourers": ("Manœuvres et petits métiers", "العمال اليدويون والمهن الصغرى"),
    "profession_unclassified": ("Profession non classée", "مهنة غير مصنفة"),
    "work_sector_agriculture": ("Agriculture, forêt et pêche", "الفلاحة والغابات والصيد"),
    "work_sector_industry": ("Industries extractives et manufacturières", "الصناعات الاستخراجية والتحويلية"),
    "work_sector_utilities": ("Eau et électricité", "الماء والكهرباء"),
    "work_sector_construction": ("Construction", "البناء"),
    "work_sector_commerce": ("Commerce et réparation de véhicules", "التجارة وإصلاح المركبات"),
    "work_sector_transport": ("Transport, entrepôts et communication", "النقل والتخزين والاتصال"),
    "work_sector_market_services": ("Autres services marchands", "خدمات تجارية أخرى"),
    "work_sector_public_services": (
        "Administration, enseignement, santé et action sociale",
        "الإدارة والتعليم والصحة والعمل الاجتماعي",
    ),
    "work_sector_other": ("Activités extraterritoriales et non déclarées", "أنشطة خارج الحدود وغير مصرح بها"),
    "diploma_population_10_plus": ("Population de 10 ans et plus", "السكان البالغون 10 سنوات فأكثر"),
    "diploma_primary": ("Diplôme du primaire", "شهادة الابتدائي"),
    "diploma_lower_secondary": ("Diplôme du collège", "شهادة الإعدادي"),
    "diploma_upper_secondary": ("Baccalauréat", "شهادة الباكالوريا"),
    "diploma_bachelor": ("DEUG, licence ou équivalent", "دبلوم الدراسات الجامعية العامة أو الإجازة"),
    "diploma_master_or_doctorate": ("Master, doctorat ou équivalent", "الماستر أو الدكتوراه"),
    "diploma_undeclared": ("Diplôme non déclaré", "شهادة غير مصرح بها"),
    "diploma_none": ("Sans diplôme de l'enseignement général", "بدون شهادة في التعليم العام"),
    "vocational_diploma_specialised_technician": ("Technicien spécialisé", "تقني متخصص"),
    "vocational_diploma_technician": ("Technicien ou cadre moyen", "تقني أو إطار متوسط"),
    "vocational_diploma_qualification": ("Qualification professionnelle", "التأهيل المهني"),
    "vocational_diploma_specialisation": ("Spécialisation professionnelle", "التخصص المهني"),
    "vocational_diploma_initiation": ("Initiation professionnelle", "التدرج المهني"),
    "vocational_diploma_undeclared": ("Diplôme non déclaré", "شهادة غير مصرح بها"),
    "vocational_diploma_none": (
        "Sans diplôme de la formation professionnelle",
        "بدون شهادة في التكوين المهني",
    ),
    "equipment_television": ("Ménages avec télévision", "أسر تتوفر على تلفاز"),
    "equipment_radio": ("Ménages avec radio", "أسر تتوفر على مذياع"),
    "equipment_landline": ("Ménages avec téléphone fixe", "أسر تتوفر على هاتف ثابت"),
    "equipment_satellite_dish": ("Ménages avec parabole", "أسر تتوفر على صحن مقعر"),
    "equipment_refrigerator": ("Ménages avec réfrigérateur", "أسر تتوفر على ثلاجة"),
    "establishments_total": ("Établissements géoréférencés", "المؤسسات المحددة جغرافيا"),
    "establishments_public_services": ("Établissements de services publics", "مؤسسات المرافق العمومية"),
    "establishments_non_profit": ("Associations dans des locaux propres", "الجمعيات العاملة في مقرات مستقلة"),
    "establishments_weekly_souks": ("Souks hebdomadaires actifs", "الأسواق الأسبوعية النشيطة"),
    "establishments_business": ("Entreprises (hors agriculture)", "المقاولات (خارج الفلاحة)"),
    "establishments_jobs": ("Emplois permanents de ces entreprises", "مناصب الشغل الدائمة في هذه المقاولات"),
    "establishments_sector_industry": ("Entreprises de l'industrie", "مقاولات الصناعة"),
    "establishments_sector_construction": ("Entreprises de la construction", "مقاولات البناء"),
    "establishments_sector_commerce": ("Entreprises du commerce", "مقاولات التجارة"),
    "establishments_sector_services": ("Entreprises de services", "مقاولات الخدمات"),
    **_businesses(),
    "dwellings_total": ("Logements urbains", "المساكن الحضرية"),
    "dwellings_occupancy_occupied": ("Logements occupés", "مساكن مأهولة"),
    "dwellings_occupancy_vacant": ("Logements vacants", "مساكن شاغرة"),
    "dwellings_occupancy_seasonal": ("Résidences secondaires ou saisonnières", "مساكن ثانوية أو موسمية"),
    "dwellings_occupancy_unoccupied": ("Logements non occupés, en tout", "مساكن غير مأهولة، المجموع"),
    "dwellings_type_villa": ("Villa ou étage de villa", "فيلا أو طابق من فيلا"),
    "dwellings_type_apartment": ("Appartement", "شقة"),
    "dwellings_type_traditional": ("Maison marocaine traditionnelle", "دار مغربية تقليدية"),
    "dwellings_type_modern": ("Maison marocaine moderne", "دار مغربية عصرية"),
    "dwellings_type_sound": ("Logement non précaire, en tout", "سكن غير هش، المجموع"),
    "dwellings_type_slum": ("Maison sommaire ou bidonville", "سكن بدائي أو صفيح"),
    "dwellings_type_rural_type": ("Logement de type rural", "سكن من النوع القروي"),
    "dwellings_type_other": ("Autre type", "نوع آخر"),
    "dwellings_type_precarious": ("Logement précaire, en tout", "سكن هش، المجموع"),
    "dwellings_age_under_20": ("Logements de moins de 20 ans", "مساكن عمرها أقل من 20 سنة"),
    "dwellings_age_20_49": ("Logements de 20 à 49 ans", "مساكن عمرها من 20 إلى 49 سنة"),
    "dwellings_age_50_plus": ("Logements de 50 ans ou plus", "مساكن عمرها 50 سنة فأكثر"),
    **_dwelling_age_by_type(),
    "dwellings_walls_concrete_or_brick": (
        "Murs en béton armé ou briques",
        "جدران من الخرسانة المسلحة أو الآجر",
    ),
    "dwellings_walls_stone": ("Murs en pierre avec mortier", "جدران من الحجر بالملاط"),
    "dwellings_walls_other": ("Autres murs", "جدران أخرى"),
    "dwellings_roofs_slab": ("Toit en dalle", "سقف من البلاطة الخرسانية"),
    "dwellings_roofs_wood_or_tiles": (
        "Toit en planches, bois ou tuiles",
        "سقف من الألواح أو الخشب أو القرميد",
    ),
    "dwellings_roofs_sheet_metal": ("Toit en tôle de ciment ou de zinc", "سقف من صفائح الإسمنت أو الزنك"),
    "dwellings_roofs_other": ("Autre toit", "سقف آخر"),
    "dwellings_networks_electricity": (
        "Raccordés au réseau public d'électricité",
        "مربوطة بالشبكة العمومية للكهرباء",
    ),
    "dwellings_networks_water": ("Raccordés au réseau public d'eau", "مربوطة بالشبكة العمومية للماء"),
    "dwellings_networks_sewerage": (
        "Raccordés au réseau public d'assainissement",
        "مربوطة بالشبكة العمومية للتطهير",
    ),
    "dwellings_deficit_rate": ("Déficit quantitatif en logement", "العجز الكمي في السكن"),
}
