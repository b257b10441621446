"""Arabic: Django's date, then a 24-hour Geneva time (see smepilot/formats/__init__.py)."""

DATE_FORMAT = "j F، Y"  # Django's Arabic DATE_FORMAT
DATETIME_FORMAT = "j F، Y، H:i"
TIME_FORMAT = "H:i"
