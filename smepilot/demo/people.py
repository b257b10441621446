"""The people and companies of the demo: Administrations and their focal points, SMEs, their representatives.

All illustrative: the circular letter names none of them. The Administrations cover the six ITU regions, one of
them outside the pilot; the SMEs are pending, confirmed and refused.
"""

from focalpoints.models import ItuRegion
from registration.models import Eligibility

from .accounts import FOCAL_POINT_EMAIL, SME_REPRESENTATIVE_EMAIL

# country: (ITU region, in the pilot, [(focal point name, email)])
ADMINISTRATIONS = {
    "KE": (ItuRegion.AFRICA, True, [("Grace Wanjiku", FOCAL_POINT_EMAIL), ("Peter Kamau", "focal.ke@ca.example")]),
    "SN": (ItuRegion.AFRICA, True, [("Mamadou Diop", "focal.sn@artp.example")]),
    "GH": (ItuRegion.AFRICA, True, [("Efua Mensah", "focal.gh@moc.example")]),
    "BR": (ItuRegion.AMERICAS, True, [("Ana Costa", "focal.br@anatel.example")]),
    "MX": (ItuRegion.AMERICAS, True, [("Jorge Ramírez", "focal.mx@ift.example")]),
    "AR": (ItuRegion.AMERICAS, False, [("Lucía Fernández", "focal.ar@enacom.example")]),
    "EG": (ItuRegion.ARAB_STATES, True, [("Karim Mansour", "focal.eg@ntra.example")]),
    "JO": (ItuRegion.ARAB_STATES, True, [("Rania Khalil", "focal.jo@trc.example")]),
    "IN": (ItuRegion.ASIA_PACIFIC, True, [("Arjun Mehta", "focal.in@dot.example")]),
    "VN": (ItuRegion.ASIA_PACIFIC, True, [("Tran Van Minh", "focal.vn@mic.example")]),
    "KZ": (ItuRegion.CIS, True, [("Dana Nurlanovna", "focal.kz@mdai.example")]),
    "KG": (ItuRegion.CIS, True, [("Bakyt Osmonov", "focal.kg@sca.example")]),
    "CH": (ItuRegion.EUROPE, True, [("Claire Rochat", "focal.ch@ofcom.example")]),
    "DE": (ItuRegion.EUROPE, True, [("Jens Hoffmann", "focal.de@bnetza.example")]),
}

# The language the secretariat gives a focal point for their emails (English otherwise): Senegal's and
# Switzerland's read French, Egypt's and Jordan's Arabic, Mexico's Spanish, Kazakhstan's Russian.
FOCAL_POINT_LANGUAGES = {
    "focal.sn@artp.example": "fr",
    "focal.ch@ofcom.example": "fr",
    "focal.eg@ntra.example": "ar",
    "focal.jo@trc.example": "ar",
    "focal.mx@ift.example": "es",
    "focal.kz@mdai.example": "ru",
}

# (country, name): (employees, annual revenue, currency, website, address, eligibility)
SMES = {
    ("KE", "Savannah Fibre Ltd"): (
        42,
        "180000000",
        "KES",
        "https://savannah-fibre.example",
        "Ngong Road 12, Nairobi",
        Eligibility.CONFIRMED,
    ),
    ("KE", "Lakeside Mobile Apps"): (
        9,
        "25000000",
        "KES",
        "https://lakeside-apps.example",
        "Oginga Odinga Street 4, Kisumu",
        Eligibility.PENDING,
    ),
    ("SN", "Dakar Data Services SARL"): (
        28,
        "650000000",
        "XOF",
        "https://dakar-data.example",
        "Avenue Cheikh Anta Diop, Dakar",
        Eligibility.CONFIRMED,
    ),
    ("GH", "Accra Cloud Works"): (
        35,
        "9500000",
        "GHS",
        "https://accra-cloud.example",
        "Oxford Street 7, Osu, Accra",
        Eligibility.CONFIRMED,
    ),
    ("BR", "Recife Conecta Ltda"): (
        120,
        "14000000",
        "BRL",
        "https://recife-conecta.example",
        "Rua da Aurora 300, Recife",
        Eligibility.CONFIRMED,
    ),
    ("MX", "Monterrey IoT Labs"): (
        60,
        "30000000",
        "MXN",
        "https://mty-iot.example",
        "Av. Constitución 1500, Monterrey",
        Eligibility.PENDING,
    ),
    ("EG", "Nile Broadband Solutions"): (
        85,
        "40000000",
        "EGP",
        "https://nile-broadband.example",
        "Smart Village, Giza",
        Eligibility.CONFIRMED,
    ),
    ("JO", "Amman Secure Code"): (
        310,
        "52000000",
        "JOD",
        "https://amman-secure.example",
        "King Hussein Business Park, Amman",
        Eligibility.REFUSED,
    ),
    ("IN", "Chennai Rural Connect Pvt Ltd"): (
        150,
        "420000000",
        "INR",
        "https://rural-connect.example",
        "Anna Salai 88, Chennai",
        Eligibility.CONFIRMED,
    ),
    ("VN", "Hanoi e-Health Systems"): (
        48,
        "95000000000",
        "VND",
        "https://hanoi-ehealth.example",
        "Duy Tan Street 1, Cau Giay, Hanoi",
        Eligibility.PENDING,
    ),
    ("KZ", "Steppe Telecom Consulting LLP"): (
        22,
        "310000000",
        "KZT",
        "https://steppe-telecom.example",
        "Dostyk Avenue 20, Almaty",
        Eligibility.CONFIRMED,
    ),
    ("CH", "Lémanique Accessibility Sàrl"): (
        14,
        "2600000",
        "CHF",
        "https://lemanique-a11y.example",
        "Rue du Rhône 40, Genève",
        Eligibility.CONFIRMED,
    ),
    ("DE", "Rhein Spectrum GmbH"): (
        75,
        "11000000",
        "EUR",
        "https://rhein-spectrum.example",
        "Rheinuferstraße 9, Bonn",
        Eligibility.REFUSED,
    ),
}

# Why the refused SMEs were refused; also the reason of a registration rejected for it.
REASON_NOT_CONFIRMED = (
    "The Administration has not confirmed that the company meets the national criteria for an SME "
    "(terms of reference, point 4)."
)

# email: (given name, family name, job title, (country, SME name))
PARTICIPANTS = {
    SME_REPRESENTATIVE_EMAIL: ("Amina", "Otieno", "Chief Technology Officer", ("KE", "Savannah Fibre Ltd")),
    "brian.mwangi@lakeside-apps.example": ("Brian", "Mwangi", "Founder", ("KE", "Lakeside Mobile Apps")),
    "awa.ndiaye@dakar-data.example": ("Awa", "Ndiaye", "Network Architect", ("SN", "Dakar Data Services SARL")),
    "kwame.asante@accra-cloud.example": ("Kwame", "Asante", "Managing Director", ("GH", "Accra Cloud Works")),
    "lucas.ferreira@recife-conecta.example": (
        "Lucas",
        "Ferreira",
        "Regulatory Affairs",
        ("BR", "Recife Conecta Ltda"),
    ),
    "sofia.hernandez@mty-iot.example": ("Sofía", "Hernández", "Product Manager", ("MX", "Monterrey IoT Labs")),
    "nour.elsayed@nile-broadband.example": (
        "Nour",
        "El-Sayed",
        "Head of Strategy",
        ("EG", "Nile Broadband Solutions"),
    ),
    "omar.haddad@amman-secure.example": ("Omar", "Haddad", "Security Lead", ("JO", "Amman Secure Code")),
    "priya.raman@rural-connect.example": (
        "Priya",
        "Raman",
        "Chief Executive",
        ("IN", "Chennai Rural Connect Pvt Ltd"),
    ),
    "lan.nguyen@hanoi-ehealth.example": ("Lan", "Nguyen Thi", "Software Engineer", ("VN", "Hanoi e-Health Systems")),
    "aigerim.bekova@steppe-telecom.example": (
        "Aigerim",
        "Bekova",
        "Senior Consultant",
        ("KZ", "Steppe Telecom Consulting LLP"),
    ),
    "marie.dubois@lemanique-a11y.example": (
        "Marie",
        "Dubois",
        "Accessibility Expert",
        ("CH", "Lémanique Accessibility Sàrl"),
    ),
    "jonas.weber@rhein-spectrum.example": ("Jonas", "Weber", "Radio Engineer", ("DE", "Rhein Spectrum GmbH")),
}
