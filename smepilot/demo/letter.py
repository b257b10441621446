"""What the circular letter on the SME pilot in ITU-D study groups says: the pilot, its dates, the meetings.

Source: the ITU-D circular letter "Implementation of pilot project for participation of SMEs in ITU-D study
groups", its Annex 1 (the Council 2017 terms of reference) and Annex 2 (registration opens on 18 January 2018
for Study Group 1, 30 April - 4 May 2018, and Study Group 2, 7 - 11 May 2018). The rapporteur group meetings
are illustrative: the letter names none.
"""

import datetime

from meetings.models import MeetingKind

# Titles that carry a year say what the letter says with its dates; with the dates moved to today they
# say nothing the dates contradict (see seed.py: the pilot's name loses the Council's year, "{period}"
# becomes the study period the moved meetings fall in).
PILOT_NAME = "SME pilot project in ITU-D study groups"
PILOT_NAME_WITH_LETTER_DATES = "SME pilot project in ITU-D study groups (Council 2017)"

# Annex 1 of the letter, word for word (the letter's list numbering restored).
TERMS_OF_REFERENCE = """\
Terms of reference for the Small and Medium Enterprises (SMEs) pilot project (as per Council 2017 decision)

1. The pilot project for SME participation will be open to interested Study Groups of ITU-T and ITU-D.
2. The pilot project would be promoted in collaboration between the involved Bureaux, regional organizations, \
concerned administrations and the ITU regional and area offices through contact with SMEs and SME associations.
3. SMEs may participate fully in the meetings of the participating Study Groups conducting the pilot project, \
with the exception of any role in decision-making, including leadership roles and the adoption of resolutions or \
recommendations regardless of the approval procedures.
4. The request of an SME to participate in the pilot project will be submitted via the concerned administration, \
which should confirm that they meet the national criteria to be recognized as an SME, including factors such as \
size of company and annual revenues.
5. The pilot project would run until PP-18. The secretariat will provide a progress report to the next Council, \
with a view towards presenting a full report for PP-18, including the benefits experienced, financial \
implications, and challenges to be addressed.
"""

# The letter's dates. The pilot starts for ITU-D when online registration opens (Annex 2) and runs
# "until PP-18" (point 5): the last day of the Plenipotentiary Conference, Dubai, 16 November 2018.
REGISTRATION_OPENS = datetime.date(2018, 1, 18)
PILOT_ENDS = datetime.date(2018, 11, 16)
# The day of the letter's calendar that the shifted demo puts at (or up to six days before) today:
# four weeks into registration, eleven weeks before Study Group 1 meets.
SHIFT_ANCHOR = datetime.date(2018, 2, 15)
GENEVA = "Geneva, Switzerland (ITU headquarters)"

# An ITU-D study period spans four years; the letter's meetings open the 2018-2021 one.
STUDY_PERIOD_YEARS = 4

STUDY_GROUPS = [
    # (number, title) of ITU-D study groups, study period 2018-2021
    (1, "Enabling environment for the development of telecommunications/ICTs"),
    (2, "ICT services and applications for the promotion of sustainable development"),
]

# key: (study group number, kind, title, starts, ends, remote participation offered); "{period}" in a
# title is the study period, "2018-2021" with the letter's dates
MEETINGS = {
    "SG1": (
        1,
        MeetingKind.STUDY_GROUP,
        "ITU-D Study Group 1, first meeting of the {period} study period",
        datetime.date(2018, 4, 30),
        datetime.date(2018, 5, 4),
        True,
    ),
    "SG2": (
        2,
        MeetingKind.STUDY_GROUP,
        "ITU-D Study Group 2, first meeting of the {period} study period",
        datetime.date(2018, 5, 7),
        datetime.date(2018, 5, 11),
        True,
    ),
    "RG-Q1/1": (
        1,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 1/1: broadband deployment in developing countries",
        datetime.date(2018, 9, 24),
        datetime.date(2018, 9, 25),
        True,
    ),
    # The one meeting without remote participation: registrations must be in person.
    "RG-Q6/1": (
        1,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 6/1: consumer information, protection and rights",
        datetime.date(2018, 9, 27),
        datetime.date(2018, 9, 28),
        False,
    ),
    "RG-Q1/2": (
        2,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 1/2: creating smart cities and society",
        datetime.date(2018, 10, 8),
        datetime.date(2018, 10, 9),
        True,
    ),
    "RG-Q3/2": (
        2,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 3/2: securing information and communication networks",
        datetime.date(2018, 10, 11),
        datetime.date(2018, 10, 12),
        True,
    ),
}

# --- The same in ITU's other official languages ------------------------------------------------------
# The secretariat enters study group titles, meeting titles and places in each language (the admin's
# "in other languages"); readers see theirs, else the English. ITU's own terms in each language: the
# study group ("Commission d'études 1 de l'UIT-D"), the Rapporteur Group, the Question, the study period.
# Language codes as in settings.LANGUAGES; "{period}" as in the English titles.

GENEVA_IN = {
    "ar": "جنيف، سويسرا (مقر الاتحاد الدولي للاتصالات)",
    "zh-hans": "瑞士日内瓦（国际电联总部）",
    "fr": "Genève, Suisse (siège de l'UIT)",
    "ru": "Женева, Швейцария (штаб-квартира МСЭ)",
    "es": "Ginebra, Suiza (Sede de la UIT)",
}

# by study group number
STUDY_GROUP_TITLES_IN = {
    1: {
        "ar": "البيئة التمكينية لتنمية الاتصالات/تكنولوجيا المعلومات والاتصالات",
        "zh-hans": "有利于电信/信息通信技术发展的环境",
        "fr": "Environnement propice au développement des télécommunications/TIC",
        "ru": "Благоприятная среда для развития электросвязи/ИКТ",
        "es": "Entorno propicio para el desarrollo de las telecomunicaciones/TIC",
    },
    2: {
        "ar": "خدمات وتطبيقات تكنولوجيا المعلومات والاتصالات من أجل تعزيز التنمية المستدامة",
        "zh-hans": "促进可持续发展的信息通信技术服务和应用",
        "fr": "Services et applications TIC pour la promotion du développement durable",
        "ru": "Услуги и приложения ИКТ для содействия устойчивому развитию",
        "es": "Servicios y aplicaciones de las TIC para la promoción del desarrollo sostenible",
    },
}


def _study_group_meeting(number):
    return {
        "ar": f"لجنة الدراسات {number} لقطاع تنمية الاتصالات، الاجتماع الأول لفترة الدراسة {{period}}",
        "zh-hans": f"ITU-D第{number}研究组{{period}}年研究期第一次会议",
        "fr": f"Commission d'études {number} de l'UIT-D, première réunion de la période d'études {{period}}",
        "ru": f"{number}-я Исследовательская комиссия МСЭ-D, первое собрание исследовательского периода "
        "{period} гг.",
        "es": f"Comisión de Estudio {number} del UIT-D, primera reunión del periodo de estudios {{period}}",
    }


def _rapporteur_group_meeting(question, subject):
    return {
        "ar": f"اجتماع فريق المقرر، المسألة {question}: {subject['ar']}",
        "zh-hans": f"报告人组会议，课题{question}：{subject['zh-hans']}",
        "fr": f"Réunion du Groupe du Rapporteur, Question {question} : {subject['fr']}",
        "ru": f"Собрание Группы Докладчика, Вопрос {question}: {subject['ru']}",
        "es": f"Reunión del Grupo de Relator, Cuestión {question}: {subject['es']}",
    }


# by the key of MEETINGS
MEETING_TITLES_IN = {
    "SG1": _study_group_meeting(1),
    "SG2": _study_group_meeting(2),
    "RG-Q1/1": _rapporteur_group_meeting(
        "1/1",
        {
            "ar": "نشر النطاق العريض في البلدان النامية",
            "zh-hans": "发展中国家的宽带部署",
            "fr": "déploiement du large bande dans les pays en développement",
            "ru": "развертывание широкополосной связи в развивающихся странах",
            "es": "despliegue de la banda ancha en los países en desarrollo",
        },
    ),
    "RG-Q6/1": _rapporteur_group_meeting(
        "6/1",
        {
            "ar": "إعلام المستهلكين وحمايتهم وحقوقهم",
            "zh-hans": "消费者信息、保护和权利",
            "fr": "information, protection et droits des consommateurs",
            "ru": "информирование, защита и права потребителей",
            "es": "información, protección y derechos del consumidor",
        },
    ),
    "RG-Q1/2": _rapporteur_group_meeting(
        "1/2",
        {
            "ar": "إنشاء المدن والمجتمعات الذكية",
            "zh-hans": "建设智慧城市和社会",
            "fr": "création de villes et de sociétés intelligentes",
            "ru": "создание умных городов и общества",
            "es": "creación de ciudades y sociedades inteligentes",
        },
    ),
    "RG-Q3/2": _rapporteur_group_meeting(
        "3/2",
        {
            "ar": "تأمين شبكات المعلومات والاتصالات",
            "zh-hans": "确保信息通信网络安全",
            "fr": "sécurisation des réseaux d'information et de communication",
            "ru": "обеспечение безопасности информационных и коммуникационных сетей",
            "es": "seguridad de las redes de información y comunicación",
        },
    ),
}
