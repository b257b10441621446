"""The names the volume data is made of: Administrations by ITU region, people's names and SMEs' names.

Illustrative and varied enough that searching by a participant's name finds some people and not all
(a family name is shared by a few hundred people in 100,000 registrations, as in life), with the
accents and letters of the regions' languages so that search meets them too.
"""

from focalpoints.models import ItuRegion

# country: (ITU region, currency, the language its focal points read)
COUNTRIES = {
    "KE": (ItuRegion.AFRICA, "KES", "en"),
    "SN": (ItuRegion.AFRICA, "XOF", "fr"),
    "GH": (ItuRegion.AFRICA, "GHS", "en"),
    "NG": (ItuRegion.AFRICA, "NGN", "en"),
    "CI": (ItuRegion.AFRICA, "XOF", "fr"),
    "CM": (ItuRegion.AFRICA, "XAF", "fr"),
    "RW": (ItuRegion.AFRICA, "RWF", "en"),
    "TZ": (ItuRegion.AFRICA, "TZS", "en"),
    "UG": (ItuRegion.AFRICA, "UGX", "en"),
    "ZA": (ItuRegion.AFRICA, "ZAR", "en"),
    "BR": (ItuRegion.AMERICAS, "BRL", "en"),
    "MX": (ItuRegion.AMERICAS, "MXN", "es"),
    "AR": (ItuRegion.AMERICAS, "ARS", "es"),
    "CO": (ItuRegion.AMERICAS, "COP", "es"),
    "CL": (ItuRegion.AMERICAS, "CLP", "es"),
    "PE": (ItuRegion.AMERICAS, "PEN", "es"),
    "CR": (ItuRegion.AMERICAS, "CRC", "es"),
    "CA": (ItuRegion.AMERICAS, "CAD", "en"),
    "EG": (ItuRegion.ARAB_STATES, "EGP", "ar"),
    "JO": (ItuRegion.ARAB_STATES, "JOD", "ar"),
    "MA": (ItuRegion.ARAB_STATES, "MAD", "fr"),
    "TN": (ItuRegion.ARAB_STATES, "TND", "fr"),
    "AE": (ItuRegion.ARAB_STATES, "AED", "ar"),
    "OM": (ItuRegion.ARAB_STATES, "OMR", "ar"),
    "SA": (ItuRegion.ARAB_STATES, "SAR", "ar"),
    "IN": (ItuRegion.ASIA_PACIFIC, "INR", "en"),
    "VN": (ItuRegion.ASIA_PACIFIC, "VND", "en"),
    "CN": (ItuRegion.ASIA_PACIFIC, "CNY", "zh-hans"),
    "ID": (ItuRegion.ASIA_PACIFIC, "IDR", "en"),
    "PH": (ItuRegion.ASIA_PACIFIC, "PHP", "en"),
    "TH": (ItuRegion.ASIA_PACIFIC, "THB", "en"),
    "BD": (ItuRegion.ASIA_PACIFIC, "BDT", "en"),
    "FJ": (ItuRegion.ASIA_PACIFIC, "FJD", "en"),
    "KZ": (ItuRegion.CIS, "KZT", "ru"),
    "KG": (ItuRegion.CIS, "KGS", "ru"),
    "UZ": (ItuRegion.CIS, "UZS", "ru"),
    "AM": (ItuRegion.CIS, "AMD", "ru"),
    "AZ": (ItuRegion.CIS, "AZN", "ru"),
    "MD": (ItuRegion.CIS, "MDL", "ru"),
    "CH": (ItuRegion.EUROPE, "CHF", "fr"),
    "DE": (ItuRegion.EUROPE, "EUR", "en"),
    "FR": (ItuRegion.EUROPE, "EUR", "fr"),
    "ES": (ItuRegion.EUROPE, "EUR", "es"),
    "IT": (ItuRegion.EUROPE, "EUR", "en"),
    "PL": (ItuRegion.EUROPE, "PLN", "en"),
    "PT": (ItuRegion.EUROPE, "EUR", "en"),
    "RO": (ItuRegion.EUROPE, "RON", "en"),
}

GIVEN_NAMES = {
    ItuRegion.AFRICA: [
        "Amina", "Brian", "Awa", "Kwame", "Efua", "Chinedu", "Ngozi", "Moussa", "Fatou", "Jean-Claude",
        "Aïssatou", "Kofi", "Wanjiru", "Tendai", "Thandiwe", "Sipho", "Abebe", "Halima", "Ousmane", "Zanele",
    ],
    ItuRegion.AMERICAS: [
        "Lucas", "Sofía", "Mateo", "Valentina", "João", "Camila", "Diego", "Isabela", "Andrés", "Gabriela",
        "Tomás", "Fernanda", "Emily", "Santiago", "Luciana", "Rafael", "Mariana", "Joaquín", "Ana", "Pedro",
    ],
    ItuRegion.ARAB_STATES: [
        "Nour", "Omar", "Rania", "Karim", "Layla", "Youssef", "Salma", "Hassan", "Mona", "Tarek",
        "Yasmine", "Khaled", "Amal", "Mehdi", "Hind", "Samir", "Leila", "Walid", "Dina", "Faisal",
    ],
    ItuRegion.ASIA_PACIFIC: [
        "Priya", "Lan", "Arjun", "Wei", "Siti", "Anh", "Rahul", "Mei", "Budi", "Ananya",
        "Minh", "Jia", "Ravi", "Nurul", "Hiroshi", "Farhana", "Joon", "Malia", "Xin", "Deepa",
    ],
    ItuRegion.CIS: [
        "Aigerim", "Bakyt", "Dana", "Timur", "Gulnara", "Rustam", "Elena", "Arman", "Nodira", "Sergei",
        "Aruzhan", "Davron", "Irina", "Nurlan", "Saule", "Ashot", "Leyla", "Dmitri", "Madina", "Anahit",
    ],
    ItuRegion.EUROPE: [
        "Marie", "Jonas", "Claire", "Lukas", "Élodie", "Matteo", "Zofia", "Inês", "Andrei", "Léa",
        "Felix", "Giulia", "Pablo", "Agnieszka", "Thomas", "Chiara", "Søren", "Ioana", "Hugo", "Anna",
    ],
}  # fmt: skip

FAMILY_NAMES = {
    ItuRegion.AFRICA: [
        "Otieno", "Mwangi", "Ndiaye", "Asante", "Mensah", "Okafor", "Adeyemi", "Diallo", "Traoré", "Kamau",
        "Nkosi", "Moyo", "Uwimana", "Banda", "Tshabalala", "Ouédraogo", "Sow", "Achieng", "Bello", "Mutua",
        "Koné", "Ekwueme", "Nyambura", "Dlamini", "Habimana",
    ],
    ItuRegion.AMERICAS: [
        "Ferreira", "Hernández", "Silva", "Ramírez", "González", "Rodríguez", "Pérez", "Santos", "Oliveira",
        "Martínez", "López", "Gómez", "Castillo", "Rojas", "Vargas", "Souza", "Morales", "Torres", "Núñez",
        "Ortiz", "Mendoza", "Carvalho", "Fuentes", "Thompson", "Araújo",
    ],
    ItuRegion.ARAB_STATES: [
        "El-Sayed", "Haddad", "Khalil", "Mansour", "Al-Rashid", "Benali", "Haddadi", "Nasser", "Saleh",
        "Farouk", "Abdallah", "Bouazizi", "El-Amin", "Hamdan", "Qasim", "Ben Youssef", "Al-Harthy", "Zaki",
        "Mahmoud", "Aziz", "Chami", "El Fassi", "Hijazi", "Karam", "Tahir",
    ],
    ItuRegion.ASIA_PACIFIC: [
        "Raman", "Nguyen Thi", "Mehta", "Wang", "Rahman", "Tran", "Sharma", "Li", "Santoso", "Iyer",
        "Pham", "Zhang", "Gupta", "Hassan", "Tanaka", "Begum", "Kim", "Chen", "Reddy", "Wijaya",
        "Le Van", "Liu", "Krishnan", "Naidu", "Huang",
    ],
    ItuRegion.CIS: [
        "Bekova", "Osmonov", "Nurlanovna", "Ivanova", "Karimov", "Abdullaev", "Petrova", "Seitkali",
        "Rakhimova", "Sokolov", "Grigoryan", "Aliyev", "Tokayeva", "Usmonov", "Ceban", "Mammadova",
        "Zhumabekov", "Kuznetsova", "Yusupov", "Harutyunyan", "Sadykova", "Rusu", "Ismailov", "Orlova",
        "Beisenov",
    ],
    ItuRegion.EUROPE: [
        "Dubois", "Weber", "Rochat", "Hoffmann", "Rossi", "Nowak", "Costa", "Popescu", "Martin", "Müller",
        "Bianchi", "Kowalska", "Ferrari", "García", "Lefèvre", "Schneider", "Moreau", "Wiśniewski",
        "Fischer", "Romano", "Jørgensen", "Almeida", "Ionescu", "Bernard", "Keller",
    ],
}  # fmt: skip

JOB_TITLES = [
    "Chief Executive", "Chief Technology Officer", "Founder", "Managing Director", "Network Architect",
    "Regulatory Affairs", "Product Manager", "Head of Strategy", "Security Lead", "Software Engineer",
    "Radio Engineer", "Senior Consultant", "Accessibility Expert", "Standards Engineer", "Business Developer",
]  # fmt: skip

# An SME's name: a place or image, an activity, a legal form.
SME_FIRST_WORDS = [
    "Savannah", "Lakeside", "Atlas", "Baobab", "Andes", "Delta", "Horizon", "Summit", "Oasis", "Monsoon",
    "Steppe", "Alpine", "Coral", "Cedar", "Sahel", "Pampa", "Orbit", "Meridian", "Harbour", "Highland",
    "Riverbank", "Silk Road", "Equator", "Northstar", "Canopy", "Lagoon", "Granite", "Aurora", "Sunrise", "Tidal",
]  # fmt: skip
SME_SECOND_WORDS = [
    "Fibre", "Mobile Apps", "Data Services", "Cloud Works", "Conecta", "IoT Labs", "Broadband", "Secure Code",
    "Rural Connect", "e-Health Systems", "Telecom Consulting", "Accessibility", "Spectrum", "Networks",
    "Satellite Links", "Fintech", "Smart Grid", "Analytics", "Wireless", "Digital Skills",
]  # fmt: skip
SME_LEGAL_FORMS = ["Ltd", "SARL", "Ltda", "LLP", "GmbH", "S.A.", "Pvt Ltd", "LLC", "Sàrl", "S.r.l.", "JSC", ""]

STREETS = ["Market Street", "Avenue de la Paix", "Rua da Aurora", "Station Road", "Independence Avenue"]

# ITU-T study groups of the 2017-2020 period that could join the pilot ("open to interested Study Groups"),
# and ITU-D's two: (sector, number, title).
STUDY_GROUPS = [
    ("ITU-D", 1, "Enabling environment for the development of telecommunications/ICTs"),
    ("ITU-D", 2, "ICT services and applications for the promotion of sustainable development"),
    ("ITU-T", 2, "Operational aspects of service provision and telecommunication management"),
    ("ITU-T", 3, "Tariff and accounting principles including related telecommunication economic and policy issues"),
    ("ITU-T", 5, "Environment, climate change and circular economy"),
    ("ITU-T", 9, "Broadband cable and TV"),
    ("ITU-T", 11, "Signalling requirements, protocols, test specifications and combating counterfeit products"),
    ("ITU-T", 12, "Performance, QoS and QoE"),
    ("ITU-T", 13, "Future networks, with focus on IMT-2020, cloud computing and trusted network infrastructures"),
    ("ITU-T", 15, "Networks, technologies and infrastructures for transport, access and home"),
    ("ITU-T", 16, "Multimedia coding, systems and applications"),
    ("ITU-T", 17, "Security"),
    ("ITU-T", 20, "Internet of things and smart cities and communities"),
]
