"""How dates read, per language (Django's FORMAT_MODULE_PATH): one style everywhere.

Every page, email, calendar file and message shows a day with the locale's ``DATE_FORMAT``
(``{{ value|date:"DATE_FORMAT" }}``, ``date_format(value, "DATE_FORMAT")``) and a moment with its
``DATETIME_FORMAT`` in Geneva time (``date_format(localtime(value), "DATETIME_FORMAT")``), never with a
pattern of its own; tests/test_date_formats.py refuses new ones. Machine formats (iCalendar values,
ISO dates in exports, HTML ``datetime`` attributes) are the exceptions listed there.

Only what differs from Django's own locale formats is here; the other languages (French, Russian,
Spanish, Chinese) use Django's, which already write the day first and a 24-hour clock:

- ``en``: ITU's English style, day first and 24-hour Geneva time, "8 February 2027",
  "8 February 2027, 14:30" (Django's US default reads "Feb. 8, 2027, 2:30 p.m.").
- ``ar``: Django's Arabic date followed by a 24-hour time (Django has no Arabic date-time format
  and would fall back to the US English one).
"""
