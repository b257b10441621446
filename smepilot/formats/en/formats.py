"""English: day first, month in full, 24-hour Geneva time (see smepilot/formats/__init__.py)."""

DATE_FORMAT = "j F Y"  # 8 February 2027
DATETIME_FORMAT = "j F Y, H:i"  # 8 February 2027, 14:30
TIME_FORMAT = "H:i"  # 14:30
